"""The ticket transition table: every status move, who may make it, and what it stamps."""

from dataclasses import dataclass
from types import MappingProxyType

from hotline import names
from hotline.enums import OPEN_STATUSES, Action, Role, TicketStatus
from hotline.errors import InvalidTransition

S = TicketStatus
R = Role
_SAME = None  # the move records an event but leaves the status as it is


@dataclass(frozen=True, slots=True)
class Move:
    action: Action
    targets: MappingProxyType[TicketStatus, TicketStatus | None]  # from-status → to-status
    roles: frozenset[Role]
    stamp: str | None = None  # the Ticket attribute set to the time of the move

    def target(self, status: TicketStatus) -> TicketStatus:
        to = self.targets[status]
        return status if to is None else to


def _move(
    action: Action,
    targets: dict[TicketStatus, TicketStatus | None],
    roles: set[Role],
    stamp: str | None = None,
) -> Move:
    return Move(action, MappingProxyType(targets), frozenset(roles), stamp)


_OPEN_SAME = dict.fromkeys(OPEN_STATUSES, _SAME)

TRANSITIONS: MappingProxyType[Action, Move] = MappingProxyType(
    {
        m.action: m
        for m in (
            _move(Action.CLOSE_ON_SPOT, {S.DRAFT: S.CLOSED}, {R.OPERATOR}, "closed_at"),
            _move(Action.REJECT, {S.DRAFT: S.REJECTED}, {R.OPERATOR, R.DISPATCHER}, "rejected_at"),
            _move(
                Action.MERGE,
                {S.DRAFT: S.MERGED, S.DISPATCHED: S.MERGED},
                {R.OPERATOR, R.DISPATCHER},
                "merged_at",
            ),
            _move(Action.DISPATCH, {S.DRAFT: S.DISPATCHED}, {R.OPERATOR, R.DISPATCHER}, "dispatched_at"),
            _move(Action.SIGN, {S.DISPATCHED: S.HANDLING}, {R.UNIT}, "signed_at"),
            _move(Action.RETURN, {S.DISPATCHED: S.RETURNED, S.HANDLING: S.RETURNED}, {R.UNIT}, "returned_at"),
            _move(Action.REDISPATCH, {S.RETURNED: S.DISPATCHED}, {R.DISPATCHER}, "dispatched_at"),
            _move(Action.OVERRULE_RETURN, {S.RETURNED: S.DISPATCHED}, {R.DISPATCHER}),
            _move(Action.REQUEST_EXTENSION, {S.HANDLING: _SAME}, {R.UNIT}),
            _move(Action.APPROVE_EXTENSION, {S.HANDLING: _SAME}, {R.DISPATCHER}),
            _move(Action.DENY_EXTENSION, {S.HANDLING: _SAME}, {R.DISPATCHER}),
            _move(Action.CONTACT, {S.DISPATCHED: _SAME, S.HANDLING: _SAME}, {R.UNIT}),
            _move(Action.REPLY, {S.HANDLING: S.REPLIED}, {R.UNIT}, "replied_at"),
            # A merged ticket's caller is called back too, once the master closes; its status stays.
            _move(
                Action.CALLBACK_SATISFIED, {S.REPLIED: S.CLOSED, S.MERGED: _SAME}, {R.OPERATOR}, "closed_at"
            ),
            _move(
                Action.CALLBACK_UNSATISFIED,
                {S.REPLIED: S.HANDLING, S.MERGED: _SAME},
                {R.OPERATOR, R.DISPATCHER},
            ),
            _move(Action.CALLBACK_ATTEMPT_FAILED, {S.REPLIED: _SAME, S.MERGED: _SAME}, {R.OPERATOR}),
            _move(
                Action.CALLBACK_UNREACHABLE, {S.REPLIED: S.CLOSED, S.MERGED: _SAME}, {R.OPERATOR}, "closed_at"
            ),
            # Declined callback (不同意回访): closed by the system after the reply, or by the
            # dispatcher once a flagged reply is reviewed; no callback is due, so none is counted.
            _move(
                Action.CLOSE_WITHOUT_CALLBACK, {S.REPLIED: S.CLOSED}, {R.SYSTEM, R.DISPATCHER}, "closed_at"
            ),
            _move(Action.SUPERVISE, _OPEN_SAME, {R.SUPERVISOR}),
            _move(Action.RESOLVE_SUPERVISION, _OPEN_SAME, {R.SUPERVISOR}),
            _move(Action.FOLLOW_MASTER, {S.MERGED: _SAME}, {R.SYSTEM}),
            _move(Action.COMMENT, dict.fromkeys(S, _SAME), {R.OPERATOR, R.DISPATCHER, R.UNIT, R.SUPERVISOR}),
        )
    }
)


def check_move(*, status: TicketStatus, action: Action, role: Role) -> Move:
    """The move for ``action`` from ``status`` by ``role``, or InvalidTransition naming all three."""
    move = TRANSITIONS.get(action)
    if move is None:
        raise InvalidTransition(status=status, action=action, role=role, reason="不是工单流转操作")
    if status not in move.targets:
        allowed = "、".join(names.STATUS.get(s, s) for s in sorted(move.targets))
        raise InvalidTransition(status=status, action=action, role=role, reason=f"只有{allowed}的工单可以")
    if role not in move.roles:
        allowed = "、".join(names.ROLE.get(r, r) for r in sorted(move.roles))
        raise InvalidTransition(status=status, action=action, role=role, reason=f"只有{allowed}可以")
    return move

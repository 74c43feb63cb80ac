"""The transition table against DESIGN.md's lifecycle, written out again by hand here."""

import itertools

import pytest

from hotline.enums import Action, Role, TicketStatus
from hotline.errors import InvalidTransition
from hotline.names import ACTION, ROLE, STATUS
from hotline.tickets.lifecycle import TRANSITIONS, check_move

S, R, A = TicketStatus, Role, Action
OPEN = [S.DRAFT, S.DISPATCHED, S.HANDLING, S.RETURNED, S.REPLIED]

# action → ({from: to}, roles), copied from DESIGN.md's table; "same" means the status stays.
EXPECTED: dict[Action, tuple[dict[TicketStatus, TicketStatus], set[Role]]] = {
    A.CLOSE_ON_SPOT: ({S.DRAFT: S.CLOSED}, {R.OPERATOR}),
    A.REJECT: ({S.DRAFT: S.REJECTED}, {R.OPERATOR, R.DISPATCHER}),
    A.MERGE: ({S.DRAFT: S.MERGED, S.DISPATCHED: S.MERGED}, {R.OPERATOR, R.DISPATCHER}),
    A.DISPATCH: ({S.DRAFT: S.DISPATCHED}, {R.OPERATOR, R.DISPATCHER}),
    A.SIGN: ({S.DISPATCHED: S.HANDLING}, {R.UNIT}),
    A.RETURN: ({S.DISPATCHED: S.RETURNED, S.HANDLING: S.RETURNED}, {R.UNIT}),
    A.REDISPATCH: ({S.RETURNED: S.DISPATCHED}, {R.DISPATCHER}),
    A.OVERRULE_RETURN: ({S.RETURNED: S.DISPATCHED}, {R.DISPATCHER}),
    A.REQUEST_EXTENSION: ({S.HANDLING: S.HANDLING}, {R.UNIT}),
    A.APPROVE_EXTENSION: ({S.HANDLING: S.HANDLING}, {R.DISPATCHER}),
    A.DENY_EXTENSION: ({S.HANDLING: S.HANDLING}, {R.DISPATCHER}),
    A.CONTACT: ({S.DISPATCHED: S.DISPATCHED, S.HANDLING: S.HANDLING}, {R.UNIT}),
    A.REPLY: ({S.HANDLING: S.REPLIED}, {R.UNIT}),
    A.CALLBACK_SATISFIED: ({S.REPLIED: S.CLOSED, S.MERGED: S.MERGED}, {R.OPERATOR}),
    A.CALLBACK_UNSATISFIED: ({S.REPLIED: S.HANDLING, S.MERGED: S.MERGED}, {R.OPERATOR, R.DISPATCHER}),
    A.CALLBACK_ATTEMPT_FAILED: ({S.REPLIED: S.REPLIED, S.MERGED: S.MERGED}, {R.OPERATOR}),
    A.CALLBACK_UNREACHABLE: ({S.REPLIED: S.CLOSED, S.MERGED: S.MERGED}, {R.OPERATOR}),
    A.CLOSE_WITHOUT_CALLBACK: ({S.REPLIED: S.CLOSED}, {R.SYSTEM, R.DISPATCHER}),
    A.SUPERVISE: ({s: s for s in OPEN}, {R.SUPERVISOR}),
    A.RESOLVE_SUPERVISION: ({s: s for s in OPEN}, {R.SUPERVISOR}),
    A.FOLLOW_MASTER: ({S.MERGED: S.MERGED}, {R.SYSTEM}),
    A.COMMENT: ({s: s for s in S}, {R.OPERATOR, R.DISPATCHER, R.UNIT, R.SUPERVISOR}),
}


def test_every_action_of_the_table_is_expected() -> None:
    assert set(TRANSITIONS) == set(EXPECTED)


@pytest.mark.parametrize(
    ("action", "status", "role"),
    list(itertools.product(list(EXPECTED), list(TicketStatus), list(Role))),
    ids=lambda v: str(v),
)
def test_each_edge_allowed_or_refused_as_designed(action: Action, status: TicketStatus, role: Role) -> None:
    targets, roles = EXPECTED[action]
    if status in targets and role in roles:
        assert check_move(status=status, action=action, role=role).target(status) == targets[status]
    else:
        with pytest.raises(InvalidTransition) as refused:
            check_move(status=status, action=action, role=role)
        message = str(refused.value)
        assert message.startswith(f"当前状态为{STATUS[status]}，{ROLE[role]}不能{ACTION[action]}"), message
        assert (refused.value.status, refused.value.action, refused.value.role) == (status, action, role)


def test_terminal_statuses_accept_no_status_change() -> None:
    for status in (S.CLOSED, S.REJECTED):
        for action, (targets, _) in EXPECTED.items():
            assert targets.get(status, status) == status, action

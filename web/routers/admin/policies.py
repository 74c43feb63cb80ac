"""时限规则: the sign and handle limits by nature, urgency, channel, 水电气暖 and 复杂件.

The highest-priority active rule whose every set criterion matches a ticket gives its limits,
read afresh at each dispatch: a change here applies to the next ticket dispatched.
"""

from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel, Field

from hotline.audit.service import snapshot
from hotline.enums import Channel, LimitUnit, Nature, Urgency
from hotline.sla.models import TimeLimitPolicy, TimeLimitPolicyBase
from hotline.sla.service import (
    POLICY_AMOUNT_MAX,
    TicketFacts,
    active_policies,
    choose_policy,
    create_policy,
    delete_policy,
    get_policy,
    list_policies,
    update_policy,
)
from web import labels
from web.deps import AdminActor, Id, NowDep, SessionDep
from web.routers.admin.common import audited
from web.routers.common import api_router

router = api_router("admin")
PRIORITY_RANGE = 100_000


class PolicyIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    priority: int = Field(default=0, ge=-PRIORITY_RANGE, le=PRIORITY_RANGE)
    nature: Nature | None = None
    urgency: Urgency | None = None
    channel: Channel | None = None
    utility: bool | None = None
    complex: bool | None = None
    sign_amount: int = Field(ge=1, le=POLICY_AMOUNT_MAX)
    sign_unit: LimitUnit
    handle_amount: int = Field(ge=1, le=POLICY_AMOUNT_MAX)
    handle_unit: LimitUnit
    active: bool = True


class PolicyRow(PolicyIn):
    id: int | None = Field(description="None for a built-in default (the table is empty)")
    criteria_label: str = Field(description="the criteria in Chinese, 不限 when none")
    sign_label: str
    handle_label: str


class PolicyList(BaseModel):
    policies: list[PolicyRow] = Field(description="in the order they are tried: highest priority first")


def _limit(amount: int, unit: LimitUnit) -> str:
    return f"{amount} {labels.LIMIT_UNIT[unit]}"


def _criteria(policy: TimeLimitPolicyBase) -> str:
    parts = [
        labels.NATURE[policy.nature] if policy.nature else "",
        labels.URGENCY[policy.urgency] if policy.urgency else "",
        labels.CHANNEL[policy.channel] if policy.channel else "",
        {True: "水电气暖", False: "非水电气暖", None: ""}[policy.utility],
        {True: "复杂件", False: "非复杂件", None: ""}[policy.complex],
    ]
    return " · ".join(p for p in parts if p) or "不限（兜底）"


def policy_row(policy: TimeLimitPolicyBase) -> PolicyRow:
    return PolicyRow(
        **policy.model_dump(include=set(PolicyIn.model_fields)),
        id=getattr(policy, "id", None),
        criteria_label=_criteria(policy),
        sign_label=_limit(policy.sign_amount, policy.sign_unit),
        handle_label=_limit(policy.handle_amount, policy.handle_unit),
    )


def _base(data: PolicyIn) -> TimeLimitPolicyBase:
    return TimeLimitPolicyBase.model_validate(data.model_dump())


@router.get("/api/admin/policies", summary="Every time-limit policy, highest priority first (admin)")
def policies_list(actor: AdminActor, session: SessionDep) -> PolicyList:
    return PolicyList(policies=[policy_row(p) for p in list_policies(session)])


@router.get("/api/admin/policies/preview", summary="Which active policy a ticket with these facts gets")
def policies_preview(
    actor: AdminActor,
    session: SessionDep,
    nature: Nature = Nature.OTHER,
    urgency: Urgency = Urgency.NORMAL,
    channel: Channel = Channel.PHONE,
    utility: Annotated[bool, Query()] = False,
    complex: Annotated[bool, Query()] = False,
) -> PolicyRow:
    facts = TicketFacts(nature=nature, urgency=urgency, channel=channel, utility=utility, complex=complex)
    return policy_row(choose_policy(active_policies(session), facts))


def _audit(
    session: SessionDep,
    request: Request,
    actor: AdminActor,
    now: NowDep,
    action: str,
    policy: TimeLimitPolicy,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    audited(
        session,
        request,
        actor=actor,
        action=action,
        at=now,
        target_kind="policy",
        target_id=policy.id,
        target_label=policy.name,
        before=before,
        after=after,
    )


@router.post("/api/admin/policies", status_code=201, summary="Add a time-limit policy (admin)")
def policies_create(
    data: PolicyIn, request: Request, actor: AdminActor, session: SessionDep, now: NowDep
) -> PolicyRow:
    policy = create_policy(session, data=_base(data))
    _audit(session, request, actor, now, "policy.create", policy, None, snapshot(policy))
    return policy_row(policy)


@router.put("/api/admin/policies/{policy_id}", summary="Change a policy; active=false deactivates it")
def policies_update(
    policy_id: Id, data: PolicyIn, request: Request, actor: AdminActor, session: SessionDep, now: NowDep
) -> PolicyRow:
    before = snapshot(get_policy(session, policy_id=policy_id))
    policy = update_policy(session, policy_id=policy_id, data=_base(data))
    _audit(session, request, actor, now, "policy.update", policy, before, snapshot(policy))
    return policy_row(policy)


@router.delete("/api/admin/policies/{policy_id}", summary="Delete a policy; answers it as it was (admin)")
def policies_delete(
    policy_id: Id, request: Request, actor: AdminActor, session: SessionDep, now: NowDep
) -> PolicyRow:
    removed = delete_policy(session, policy_id=policy_id)
    _audit(session, request, actor, now, "policy.delete", removed, snapshot(removed), None)
    return policy_row(removed)

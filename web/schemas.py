"""What the API takes and returns beyond the core's own ``*Create``/``*Public`` models."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from classifier.normalize import MAX_CHARS
from hotline.categories.models import Category
from hotline.enums import (
    AssignmentRole,
    CallDirection,
    Card,
    Channel,
    Nature,
    RejectReason,
    RequestState,
    Satisfaction,
    SeatState,
    Stage,
    TicketStatus,
    Urgency,
)
from hotline.sla.service import card as card_of
from hotline.tickets.models import Assignment, Supervision, Ticket
from hotline.tickets.service import caller_phone_for
from hotline.timeline.models import TicketEventPublic
from hotline.units.models import Unit
from hotline.users.models import Actor
from web import labels
from web.deps import Id

# --- requests ------------------------------------------------------------------------------------


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=5000)


class DispatchIn(BaseModel):
    unit_code: str = Field(min_length=1, max_length=64)
    co_unit_codes: list[str] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=5000)


class RedispatchIn(BaseModel):
    unit_code: str | None = Field(default=None, max_length=64, description="empty: the district (属地兜底)")
    co_unit_codes: list[str] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=5000)


class RejectIn(BaseModel):
    reason: RejectReason
    note: str = Field(default="", max_length=5000)


class MergeIn(BaseModel):
    master_id: Id
    note: str = Field(default="", max_length=5000)


class CloseOnSpotIn(BaseModel):
    answer: str = Field(min_length=1, max_length=5000)
    satisfaction: Satisfaction | None = None
    article_id: Id | None = None


class ReturnIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)
    suggested_unit_code: str | None = Field(default=None, max_length=64)


class ExtensionIn(BaseModel):
    working_days: int = Field(ge=1, le=30)
    reason: str = Field(min_length=1, max_length=1000)


class DecisionIn(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=5000)


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    confirm_low_quality: bool = Field(
        default=False, description="submit a reply the 答非所问 check flagged (409 ReplyNeedsConfirmation)"
    )


class CallbackIn(BaseModel):
    reached: bool
    satisfaction: Satisfaction | None = None
    solved: bool | None = None
    note: str = Field(default="", max_length=2000)


class SuperviseIn(BaseModel):
    note: str = Field(min_length=1, max_length=2000)
    due_at: datetime


class SeatStateIn(BaseModel):
    state: SeatState
    reason: str = Field(default="", max_length=64)


class ClassifyIn(BaseModel):
    text: str = Field(
        max_length=MAX_CHARS, description="title, content and address; the classifier's own limit"
    )
    district: str = Field(default="", max_length=64)


class TransferMode(StrEnum):
    BLIND = "blind"  # 直接转接: the caller goes on, the seat is free
    ATTENDED = "attended"  # 咨询转接: talk to the target first, then hand over, three-way or cancel


class TransferIn(BaseModel):
    linkedid: str = Field(default="", max_length=64, description="empty: the call on the operator's seat")
    target: str = Field(
        min_length=1, max_length=32, description="110, 119, 120, 122, an expert desk or a line"
    )
    mode: TransferMode = TransferMode.BLIND


# --- responses -----------------------------------------------------------------------------------


class TicketView(BaseModel):
    """A ticket as the actor may see it: the caller's number masked for units when confidential."""

    id: int
    number: str
    status: TicketStatus
    status_label: str
    channel: Channel
    caller_name: str
    caller_phone: str
    who: str
    when: str
    address: str
    title: str
    content: str
    nature: Nature
    urgency: Urgency
    district: str
    street: str
    confidential: bool
    consent_recording: bool
    consent_callback: bool
    complex: bool
    category_id: int | None
    category_name: str
    lead_unit_code: str | None
    lead_unit_name: str
    suggested_unit_code: str | None
    master_id: int | None
    dispatch_count: int
    reply_text: str
    satisfaction: Satisfaction | None
    solved: bool | None
    callback_attempts: int
    created_at: datetime
    dispatched_at: datetime | None
    signed_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    sign_due_at: datetime | None
    handle_due_at: datetime | None
    callback_due_at: datetime | None
    stage: Stage | None = Field(description="the limit running now: sign, handle or callback")
    due_at: datetime | None
    card: Card


class AssignmentView(BaseModel):
    unit_code: str
    unit_name: str
    role: AssignmentRole
    round: int
    active: bool
    designated: bool
    dispatched_at: datetime
    signed_at: datetime | None
    contacted_at: datetime | None
    replied_at: datetime | None
    returned_at: datetime | None
    reply_text: str


class SupervisionView(BaseModel):
    id: int
    ticket_id: int
    ticket_number: str
    note: str
    due_at: datetime
    created_at: datetime


class TicketDetail(TicketView):
    assignments: list[AssignmentView]
    events: list[TicketEventPublic]
    supervisions: list[SupervisionView]


class CreatedTicket(BaseModel):
    ticket: TicketView
    query_code: str = Field(description="the citizen follows the ticket with it and their phone number")


class Reference:
    """Units and categories by id, loaded once per request to name things in views."""

    def __init__(self, units: Sequence[Unit], categories: Sequence[Category]) -> None:
        self.units: Mapping[int | None, Unit] = {u.id: u for u in units}
        self.categories: Mapping[int | None, Category] = {c.id: c for c in categories}

    def unit_code(self, unit_id: int | None) -> str | None:
        unit = self.units.get(unit_id)
        return unit.code if unit else None

    def unit_name(self, unit_id: int | None) -> str:
        unit = self.units.get(unit_id)
        return (unit.short_name or unit.name) if unit else ""


def _stage(ticket: Ticket) -> tuple[Stage | None, datetime | None, datetime | None]:
    """(stage, started, due) of the limit running now."""
    if ticket.status is TicketStatus.DISPATCHED:
        return Stage.SIGN, ticket.dispatched_at, ticket.sign_due_at
    if ticket.status is TicketStatus.HANDLING:
        return Stage.HANDLE, ticket.dispatched_at, ticket.handle_due_at
    if ticket.status in {TicketStatus.REPLIED, TicketStatus.MERGED} and ticket.callback_done_at is None:
        return Stage.CALLBACK, ticket.replied_at, ticket.callback_due_at
    return None, None, None


def ticket_view(ticket: Ticket, *, actor: Actor, ref: Reference, now: datetime, ratio: float) -> TicketView:
    assert ticket.id is not None
    stage, start, due = _stage(ticket)
    card = Card.NONE
    if start is not None and due is not None:
        card = card_of(now=now, start=start, due=due, ratio=ratio)
    category = ref.categories.get(ticket.category_id)
    return TicketView(
        **ticket.model_dump(
            include={
                "id",
                "number",
                "status",
                "channel",
                "caller_name",
                "who",
                "when",
                "address",
                "title",
                "content",
                "nature",
                "urgency",
                "district",
                "street",
                "confidential",
                "consent_recording",
                "consent_callback",
                "complex",
                "category_id",
                "master_id",
                "dispatch_count",
                "reply_text",
                "satisfaction",
                "solved",
                "callback_attempts",
                "created_at",
                "dispatched_at",
                "signed_at",
                "replied_at",
                "closed_at",
                "sign_due_at",
                "handle_due_at",
                "callback_due_at",
            }
        ),
        status_label=labels.STATUS[ticket.status],
        caller_phone=caller_phone_for(ticket, actor),
        category_name=category.name if category else "",
        lead_unit_code=ref.unit_code(ticket.lead_unit_id),
        lead_unit_name=ref.unit_name(ticket.lead_unit_id),
        # 派单目录: without a unit suggested for the ticket itself, its category's default unit
        suggested_unit_code=ref.unit_code(ticket.suggested_unit_id)
        or (category.default_unit_code if category else None)
        or None,
        stage=stage if due is not None else None,
        due_at=due,
        card=card,
    )


def supervision_view(flag: Supervision, ticket: Ticket) -> SupervisionView:
    """A supervision flag with its ticket's number, which is what people read."""
    return SupervisionView(
        ticket_number=ticket.number,
        **flag.model_dump(include={"id", "ticket_id", "note", "due_at", "created_at"}),
    )


def assignment_view(assignment: Assignment, ref: Reference) -> AssignmentView:
    return AssignmentView(
        unit_code=ref.unit_code(assignment.unit_id) or "",
        unit_name=ref.unit_name(assignment.unit_id),
        **assignment.model_dump(
            include={
                "role",
                "round",
                "active",
                "designated",
                "dispatched_at",
                "signed_at",
                "contacted_at",
                "replied_at",
                "returned_at",
                "reply_text",
            }
        ),
    )


class ExtensionView(BaseModel):
    id: int
    ticket: TicketView
    unit_name: str
    working_days: int
    reason: str
    state: RequestState
    requested_at: datetime
    old_due_at: datetime | None


class ReturnView(BaseModel):
    id: int
    ticket: TicketView
    unit_name: str
    reason: str
    suggested_unit_code: str | None
    returned_at: datetime
    chain: list[str] = Field(default_factory=list, description="lead units so far, in order (来回推诿 check)")
    back_to_suggested: bool = Field(
        default=False, description="sending it to the suggested unit gives it back to a unit that had it"
    )


class WordWeightOut(BaseModel):
    """A word of the text and how much it pointed to the unit (its part of the model's margin)."""

    word: str
    weight: float


class UnitScoreOut(BaseModel):
    unit_code: str
    unit_name: str
    confidence: float
    words: list[WordWeightOut] = []  # why this unit: the strongest words of the text for it


class EmergencyOut(BaseModel):
    transfer_to: str
    reason: str
    matched: str


class SuggestionOut(BaseModel):
    units: list[UnitScoreOut]
    category_code: str | None
    category_id: int | None
    category_name: str
    category_confidence: float
    nature: str | None
    urgency: str | None
    district: str | None
    street: str | None
    emergency: EmergencyOut | None
    unsure: bool


class DuplicateOut(BaseModel):
    score: float
    ticket: TicketView


class CallView(BaseModel):
    id: int
    linkedid: str
    caller_number: str
    caller_name: str
    joined_at: datetime | None
    answered_at: datetime | None
    outcome: str
    outcome_label: str
    wait_s: float | None
    direction: CallDirection
    ticket_id: int | None


class ScreenPop(BaseModel):
    """What the seat shows when a call is answered: who calls, what they asked before, a repeat flag."""

    call: CallView
    repeat_caller: bool
    recent_count: int = Field(description="tickets from this number in the last 30 days")
    open_tickets: list[TicketView]
    history: list[TicketView]


class SeatView(BaseModel):
    id: int
    code: str
    name: str
    state: SeatState
    state_label: str
    pause_reason: str
    state_since: datetime | None
    operator: str
    call: CallView | None


class MeOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: str
    role_label: str
    unit_code: str | None
    unit_name: str
    csrf_token: str

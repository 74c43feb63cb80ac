"""Ports: what the core needs from the outside, filled in by the composition root (web/app.py)."""

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class UnitScore:
    unit_code: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Emergency:
    """Text that must go to 110/119/120/122 now, never wait as a ticket."""

    transfer_to: str  # "110", "119", "120" or "122"
    reason: str
    matched: str = ""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What the classifier proposes for a ticket text; a person decides."""

    units: Sequence[UnitScore]  # top 3, best first
    category_code: str | None = None
    category_confidence: float = 0.0
    nature: str | None = None  # a hotline.enums.Nature value
    urgency: str | None = None  # a hotline.enums.Urgency value
    district: str | None = None
    street: str | None = None
    emergency: Emergency | None = None
    unsure: bool = True


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    ticket_id: int
    score: float


@dataclass(frozen=True, slots=True)
class ReplyVerdict:
    """How well a unit's reply answers the complaint (答非所问 check); ``low``: warn and review."""

    score: float
    low: bool
    issues: tuple[str, ...] = ()  # off_topic, no_action, boilerplate, too_short


class Classifier(Protocol):
    """Routing suggestions for ticket text (filled by classifier/)."""

    def suggest(self, text: str) -> Suggestion: ...

    def check_reply(self, complaint: str, reply: str) -> ReplyVerdict: ...


class TransferStep(StrEnum):
    """What the operator does with an attended transfer (咨询转接) in progress."""

    COMPLETE = "complete"  # hand the citizen over and leave
    THREEWAY = "threeway"  # 三方通话: all three talk together
    CANCEL = "cancel"  # back to the citizen; the target is hung up


class CallControl(Protocol):
    """Commands a seat gives the telephone system (filled by telephony/).

    Each raises ``LookupError`` when the call or seat it names is not live now, and
    ``ValueError`` for a request the phone system cannot carry out as asked (a bad number, a
    transfer target nobody knows, a phone that cannot be answered remotely).
    """

    def new_call_id(self) -> str:
        """An id for a call this system will place; it becomes the call's id (Linkedid)."""
        ...

    async def click_to_call(
        self, *, seat_interface: str, number: str, call_id: str, caller_id: str = "", account: str = ""
    ) -> str: ...

    async def answer(self, *, seat_interface: str) -> None: ...

    async def hangup(self, *, linkedid: str) -> None: ...

    async def transfer(self, *, linkedid: str, target: str, attended: bool = False) -> None: ...

    async def finish_transfer(self, *, linkedid: str, step: TransferStep) -> None: ...

    async def pause(self, *, seat_interface: str, paused: bool, reason: str = "") -> None: ...

    async def queue_login(self, *, seat_interface: str, member_name: str = "") -> None: ...

    async def queue_logoff(self, *, seat_interface: str) -> None: ...


class EventPublisher(Protocol):
    """Fan-out of live events to pages (in-process or Redis, filled by web/)."""

    def publish(self, topic: str, payload: dict[str, Any]) -> None: ...


@dataclass
class NullPublisher:
    """The default publisher when nothing listens: keeps the last events, for tests and the CLI."""

    published: deque[tuple[str, dict[str, Any]]] = field(default_factory=lambda: deque(maxlen=1000))

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        self.published.append((topic, payload))

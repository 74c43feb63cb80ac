"""Ports: what the core needs from the outside, filled in by the composition root (web/app.py)."""

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
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
class OpenTicketText:
    """An open ticket as the duplicate finder sees it."""

    ticket_id: int
    text: str
    district: str = ""
    created_at_epoch: float = 0.0


class Classifier(Protocol):
    """Routing suggestions for ticket text (filled by classifier/)."""

    def suggest(self, text: str) -> Suggestion: ...

    def duplicates(
        self, text: str, *, district: str = "", candidates: Sequence[OpenTicketText], limit: int = 5
    ) -> Sequence[DuplicateCandidate]: ...


class CallControl(Protocol):
    """Commands a seat gives the telephone system (filled by telephony/)."""

    async def click_to_call(self, *, seat_interface: str, number: str, caller_id: str = "") -> str: ...

    async def transfer(self, *, linkedid: str, target: str, attended: bool = False) -> None: ...

    async def pause(self, *, seat_interface: str, paused: bool, reason: str = "") -> None: ...


class EventPublisher(Protocol):
    """Fan-out of live events to pages (in-process or Redis, filled by web/)."""

    def publish(self, topic: str, payload: dict[str, Any]) -> None: ...


@dataclass
class NullPublisher:
    """The default publisher when nothing listens: keeps the last events, for tests and the CLI."""

    published: deque[tuple[str, dict[str, Any]]] = field(default_factory=lambda: deque(maxlen=1000))

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        self.published.append((topic, payload))

"""Adapters from our other packages to the core's ports: the classifier, and the null call control.

The classifier package is standalone and knows nothing of the core; its facade returns results with
the port's field names, so the adapter copies them. When the model is missing (not trained or
shipped yet) the app still runs: suggestions are empty, the emergency rules still work.
"""

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any, Final, Protocol, runtime_checkable

from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from classifier.duplicates import DuplicateIndex, OpenTicket
from classifier.emergency import EmergencyAlert, detect_emergency
from classifier.errors import InvalidText
from classifier.normalize import check_text
from classifier.places import extract_place
from classifier.reply_quality import ReplyCheck, check_reply, topic_similarity
from classifier.service import RoutingClassifier
from hotline.enums import OPEN_STATUSES
from hotline.errors import InvalidInput
from hotline.ports import (
    DuplicateCandidate,
    Emergency,
    ReplyVerdict,
    Suggestion,
    UnitScore,
)
from hotline.tickets.models import Ticket

log = logging.getLogger(__name__)
UNREADABLE = "无法分析这段文字：为空、过长或含有无法识别的字符"


@runtime_checkable
class Explaining(Protocol):
    """A classifier that can say which words of a text pointed to each suggested unit."""

    def explain(self, text: str, unit_codes: Sequence[str]) -> dict[str, list[tuple[str, float]]]: ...


def _emergency(alert: EmergencyAlert | None) -> Emergency | None:
    return Emergency(alert.transfer_to, alert.reason, alert.matched) if alert else None


class RulesOnlyClassifier:
    """No model: no unit suggestions; the emergency rules and place names still flag 110/119/120
    and name the district (duplicates need no model: ``OpenTicketFinder``)."""

    def suggest(self, text: str) -> Suggestion:
        emergency = _emergency(detect_emergency(text))
        place = extract_place(text)
        return Suggestion(
            units=(),
            urgency="critical" if emergency else None,
            district=place.district,
            street=place.street,
            emergency=emergency,
        )

    def check_reply(self, complaint: str, reply: str) -> ReplyVerdict:
        return _verdict(check_reply(complaint, reply))


def _verdict(found: ReplyCheck) -> ReplyVerdict:
    return ReplyVerdict(score=found.score, low=found.low, issues=tuple(found.issues))


class RoutingClassifierAdapter:
    """The classifier package's facade seen through the core's Classifier port."""

    def __init__(self, inner: RoutingClassifier) -> None:
        self._inner = inner

    def suggest(self, text: str) -> Suggestion:
        try:
            found = self._inner.suggest(text)
        except InvalidText as err:
            raise InvalidInput(UNREADABLE) from err
        return Suggestion(
            units=tuple(UnitScore(u.unit_code, float(u.confidence)) for u in found.units)[:3],
            category_code=found.category_code,
            category_confidence=float(found.category_confidence),
            nature=found.nature,
            urgency=found.urgency,
            district=found.district,
            street=found.street,
            emergency=_emergency(found.emergency),
            unsure=found.unsure,
        )

    def explain(self, text: str, unit_codes: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
        """Words of ``text`` with their weight towards each unit, strongest first."""
        try:
            found = self._inner.explain(text, unit_codes)
        except InvalidText as err:
            raise InvalidInput(UNREADABLE) from err
        return {unit: [(e.word, e.weight) for e in words] for unit, words in found.items()}

    def check_reply(self, complaint: str, reply: str) -> ReplyVerdict:
        similarity = topic_similarity(self._inner.model, complaint, reply)
        return _verdict(check_reply(complaint, reply, similarity=similarity))


FILL_CHUNK: Final = 2000  # open tickets indexed within one request; more are left to a thread
RECONCILE_S: Final = 5.0  # how often the open ids are compared with the database


def ticket_text(title: str, content: str, address: str) -> str:
    """What the duplicate finder reads of a ticket (the seat sends the same three fields)."""
    return f"{title}。{content} {address}"


class OpenTicketFinder:
    """Every open ticket in one duplicate index, kept in step with the database by increments.

    Each search first indexes tickets newer than the newest indexed (a primary-key range, cheap),
    the newest ``FILL_CHUNK`` of them; every ``reconcile_s`` it compares the open ids with the
    database, forgets the ones closed or merged and indexes the older ones it lacks, in a
    background thread when there are many (the first search after a start among 100,000).
    Nothing is ever rebuilt from scratch. A ticket whose text changes keeps its first text here.
    """

    def __init__(self, engine: Engine, *, reconcile_s: float = RECONCILE_S) -> None:
        self._engine = engine
        self._reconcile_s = reconcile_s
        self._index = DuplicateIndex()
        self._lock = threading.Lock()  # guards the index and the fields below
        self._newest = 0
        self._reconciled_at = float("-inf")
        self._filling: threading.Thread | None = None

    def __len__(self) -> int:
        return len(self._index)

    def search(
        self, session: Session, text: str, *, district: str = "", limit: int = 5, now: float | None = None
    ) -> list[DuplicateCandidate]:
        """The open tickets most likely to be the same matter as ``text``, best first."""
        try:
            text = check_text(text)
        except InvalidText as err:
            raise InvalidInput(UNREADABLE) from err
        self._add_newer(session)
        if time.monotonic() - self._reconciled_at >= self._reconcile_s:
            self._reconcile(session)
        with self._lock:
            found = self._index.search(text, district=district, limit=limit, now=now)
        return [DuplicateCandidate(int(d.ticket_id), float(d.score)) for d in found]

    def wait(self, timeout: float = 60.0) -> None:
        """Wait for a background fill to end (tests and the bench)."""
        filling = self._filling
        if filling is not None:
            filling.join(timeout)

    def _add_newer(self, session: Session) -> None:
        rows = session.execute(
            _open_rows()
            .where(col(Ticket.id) > self._newest)
            .order_by(col(Ticket.id).desc())
            .limit(FILL_CHUNK)
        ).all()
        self._add(rows)

    def _reconcile(self, session: Session) -> None:
        open_ids = set(
            session.exec(select(Ticket.id).where(col(Ticket.status).in_(sorted(OPEN_STATUSES)))).all()
        )
        with self._lock:
            self._reconciled_at = time.monotonic()
            known = self._index.ids()
            for gone in known - open_ids:
                self._index.remove(gone)
            busy = self._filling is not None and self._filling.is_alive()
        missing = sorted((i for i in open_ids - known if i is not None), reverse=True)
        if not missing or busy:
            return
        if len(missing) <= FILL_CHUNK:
            self._add(session.execute(_open_rows().where(col(Ticket.id).in_(missing))).all())
            return
        self._filling = threading.Thread(
            target=self._fill, args=(missing,), name="duplicate-fill", daemon=True
        )
        self._filling.start()

    def _fill(self, missing: list[int]) -> None:
        """Index ``missing`` (newest first) in chunks, each under the lock for a moment only."""
        try:
            with Session(self._engine) as session:
                for start in range(0, len(missing), FILL_CHUNK):
                    chunk = missing[start : start + FILL_CHUNK]
                    self._add(session.execute(_open_rows().where(col(Ticket.id).in_(chunk))).all())
        except Exception:  # the next reconcile tries again; searches go on meanwhile
            log.exception("indexing open tickets for duplicates failed")

    def _add(self, rows: Sequence[Any]) -> None:
        if not rows:
            return
        tickets = [
            OpenTicket(int(i), ticket_text(title, content, address), district or "", _epoch(created))
            for i, title, content, address, district, created in rows
            if i is not None
        ]
        with self._lock:
            for ticket in tickets:
                if ticket.ticket_id not in self._index:
                    self._index.add(ticket)
                self._newest = max(self._newest, ticket.ticket_id)


def _open_rows() -> Any:
    columns = (Ticket.id, Ticket.title, Ticket.content, Ticket.address, Ticket.district, Ticket.created_at)
    return sa_select(*(col(c) for c in columns)).where(col(Ticket.status).in_(sorted(OPEN_STATUSES)))


def _epoch(created: object) -> float:
    timestamp = getattr(created, "timestamp", None)
    return float(timestamp()) if callable(timestamp) else 0.0

"""The facade the composition root plugs into the core's ``Classifier`` port.

Its results carry the port's field names (``units``/``unit_code``/``confidence``,
``category_code``, ``nature``, ``urgency``, ``district``, ``street``, ``emergency``,
``unsure``; ``ticket_id``/``score``), so the adapter only copies them across.
"""

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from classifier.duplicates import DuplicateIndex, DuplicateMatch, OpenTicket
from classifier.emergency import EmergencyAlert, scan_emergency, urgency_of
from classifier.explain import Evidence, UnitExplainer
from classifier.hotspots import HotSpot, HotSpotTicket, find_hot_spots
from classifier.labels import DISTRICT_UNIT_BY_NAME
from classifier.model import HeadPrediction, RoutingModel, load_model
from classifier.normalize import MAX_CHARS, canonical, check_text
from classifier.places import extract_place
from classifier.settings import ClassifierSettings

_MODEL_REASON = "疑似紧急情况（模型判断，规则未命中）：请立即核实，必要时转接"


@dataclass(frozen=True, slots=True)
class UnitSuggestion:
    """A unit and the calibrated probability that it is the one to handle the ticket."""

    unit_code: str
    confidence: float


@dataclass(frozen=True, slots=True)
class RoutingSuggestion:
    """What the classifier proposes for a ticket text; a person decides."""

    units: list[UnitSuggestion]
    category_code: str | None = None
    category_confidence: float = 0.0
    nature: str | None = None
    urgency: str | None = None
    district: str | None = None
    street: str | None = None
    emergency: EmergencyAlert | None = None
    unsure: bool = True


class OpenTicketLike(Protocol):
    """An open ticket as the duplicate finder reads it (any object with these fields)."""

    @property
    def ticket_id(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def district(self) -> str: ...
    @property
    def created_at_epoch(self) -> float: ...


@dataclass(frozen=True, slots=True)
class RecentTicket:
    """A recent ticket for hot spots; category and district are filled in from the text when empty."""

    text: str
    created_at_epoch: float
    district: str = ""
    category_code: str = ""


@dataclass
class RoutingClassifier:
    """Suggestions, duplicates and hot spots from one loaded model; safe to share between threads."""

    model: RoutingModel
    card: dict[str, Any] = field(default_factory=dict)
    unsure_below: float = 0.5
    emergency_below: float = 0.5
    max_chars: int = MAX_CHARS
    _index: DuplicateIndex = field(default_factory=DuplicateIndex, repr=False)
    _indexed: object = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _explainer: UnitExplainer | None = field(default=None, repr=False)

    @classmethod
    def load(
        cls, path: Path | None = None, *, settings: ClassifierSettings | None = None
    ) -> "RoutingClassifier":
        """Load the model in ``path``, else the configured one, else the one shipped in the package."""
        settings = settings or ClassifierSettings()
        model, card = load_model(path or settings.resolved_model_dir())
        return cls(
            model=model,
            card=card,
            unsure_below=settings.unsure_below,
            emergency_below=settings.emergency_below,
            max_chars=settings.max_chars,
        )

    def suggest(self, text: str) -> RoutingSuggestion:
        """Top-3 units, category, nature, urgency, place and any emergency for one ticket text.

        Raises InvalidText for empty, over-long or broken text.
        """
        text = canonical(check_text(text, max_chars=self.max_chars))
        place = extract_place(text)
        heads = self.model.predict_heads(text, top=0)
        alert, ruled_out = scan_emergency(text)
        if alert is None and not ruled_out:
            alert = self._model_alert(heads.get("emergency"))
        ranked = dict(zip(heads["unit"].labels, heads["unit"].probabilities, strict=True))
        units = [UnitSuggestion(u, round(p, 4)) for u, p in list(ranked.items())[:3]]
        unsure = not units or units[0].confidence < self.unsure_below
        units = self._with_district(units, place.district, ranked) if unsure else units
        category = heads.get("category")
        nature = heads.get("nature")
        return RoutingSuggestion(
            units=units,
            category_code=category.labels[0] if category else None,
            category_confidence=round(category.probabilities[0], 4) if category else 0.0,
            nature=nature.labels[0] if nature else None,
            urgency=urgency_of(text, alert),
            district=place.district,
            street=place.street,
            emergency=alert,
            unsure=unsure,
        )

    def explain(self, text: str, unit_codes: Sequence[str], *, limit: int = 5) -> dict[str, list[Evidence]]:
        """For each unit, the words of ``text`` that pointed the model to it (see ``classifier.explain``).

        Raises InvalidText for empty, over-long or broken text.
        """
        text = canonical(check_text(text, max_chars=self.max_chars))
        if self._explainer is None:
            self._explainer = UnitExplainer(self.model)  # a benign race: two threads build the same
        return self._explainer.explain(text, unit_codes, limit=limit)

    def _model_alert(self, head: HeadPrediction | None) -> EmergencyAlert | None:
        """The emergency head's backstop for phrasings no rule knows; never overrules a rule's "not now"."""
        if head is None:
            return None
        scores = dict(zip(head.labels, head.probabilities, strict=True))
        if scores.get("none", 0.0) >= self.emergency_below:
            return None
        number = next(label for label in head.labels if label != "none")
        return EmergencyAlert(number, _MODEL_REASON, "")

    def _with_district(
        self, units: list[UnitSuggestion], district: str | None, ranked: dict[str, float]
    ) -> list[UnitSuggestion]:
        """When unsure, make sure the district's own unit (属地兜底) is among the three offered."""
        code = DISTRICT_UNIT_BY_NAME.get(district or "")
        if code is None or code not in ranked or any(u.unit_code == code for u in units):
            return units
        return [*units[:2], UnitSuggestion(code, round(ranked[code], 4))]

    def duplicates(
        self,
        text: str,
        *,
        district: str = "",
        candidates: Sequence[OpenTicketLike],
        limit: int = 5,
        now: float | None = None,
    ) -> list[DuplicateMatch]:
        """The open tickets among ``candidates`` most likely to be the same matter, best first.

        The index is kept between calls and brought in line with ``candidates`` (new ids added,
        gone ids removed); passing the same tuple again skips even that. A ticket whose text
        changed keeps its old text here until it leaves ``candidates`` once.
        """
        text = check_text(text, max_chars=self.max_chars)
        with self._lock:
            if not (isinstance(candidates, tuple) and candidates is self._indexed):
                self._sync(candidates)
                self._indexed = candidates
            return self._index.search(text, district=district, limit=limit, now=now)

    def _sync(self, candidates: Sequence[OpenTicketLike]) -> None:
        wanted = {c.ticket_id: c for c in candidates}
        for gone in self._index.ids() - wanted.keys():
            self._index.remove(gone)
        for ticket_id, c in wanted.items():
            if ticket_id not in self._index:
                self._index.add(OpenTicket(ticket_id, c.text, c.district, c.created_at_epoch))

    def hot_spots(self, tickets: Iterable[RecentTicket], *, now: float, **options: Any) -> list[HotSpot]:
        """Place × category groups whose latest count jumps above their baseline (see ``find_hot_spots``)."""
        grouped = []
        for t in tickets:
            topic = t.category_code
            if not topic:
                category = self.model.predict_heads(t.text, top=1).get("category")
                topic = category.labels[0] if category else "other.other"
            district = t.district or extract_place(t.text).district or ""
            grouped.append(HotSpotTicket(district, topic, t.created_at_epoch))
        return find_hot_spots(grouped, now=now, **options)

"""Adapters from our other packages to the core's ports: the classifier, and the null call control.

The classifier package is standalone and knows nothing of the core; its facade returns results with
the port's field names, so the adapter copies them. When the model is missing (not trained or
shipped yet) the app still runs: suggestions are empty, the emergency rules still work.
"""

import importlib
import logging
from collections.abc import Sequence
from typing import Any

from hotline.ports import (
    Classifier,
    DuplicateCandidate,
    Emergency,
    OpenTicketText,
    Suggestion,
    UnitScore,
)

log = logging.getLogger(__name__)


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


class RulesOnlyClassifier:
    """No model: no unit suggestions; the package's emergency rules, place names and duplicate
    index (when present) still flag 110/119/120, name the district and find likely duplicates."""

    def __init__(self) -> None:
        self._emergency = _optional("classifier.emergency")
        self._places = _optional("classifier.places")
        self._duplicates = _optional("classifier.duplicates")

    def suggest(self, text: str) -> Suggestion:
        alert = self._emergency.detect_emergency(text) if self._emergency is not None else None
        emergency = Emergency(alert.transfer_to, alert.reason, alert.matched) if alert else None
        place = self._places.extract_place(text) if self._places is not None else None
        return Suggestion(
            units=(),
            urgency="critical" if emergency else None,
            district=place.district if place else None,
            street=place.street if place else None,
            emergency=emergency,
        )

    def duplicates(
        self, text: str, *, district: str = "", candidates: Sequence[OpenTicketText], limit: int = 5
    ) -> Sequence[DuplicateCandidate]:
        if self._duplicates is None or not candidates:
            return ()
        index = self._duplicates.DuplicateIndex()
        index.add_many(
            self._duplicates.OpenTicket(c.ticket_id, c.text, c.district, c.created_at_epoch)
            for c in candidates
        )
        found = index.search(text, district=district, limit=limit)
        return tuple(DuplicateCandidate(int(d.ticket_id), float(d.score)) for d in found)


class RoutingClassifierAdapter:
    """The classifier package's facade seen through the core's Classifier port."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def suggest(self, text: str) -> Suggestion:
        found = self._inner.suggest(text)
        alert = getattr(found, "emergency", None)
        return Suggestion(
            units=tuple(UnitScore(u.unit_code, float(u.confidence)) for u in found.units)[:3],
            category_code=getattr(found, "category_code", None),
            category_confidence=float(getattr(found, "category_confidence", 0.0)),
            nature=getattr(found, "nature", None),
            urgency=getattr(found, "urgency", None),
            district=getattr(found, "district", None),
            street=getattr(found, "street", None),
            emergency=Emergency(alert.transfer_to, alert.reason, getattr(alert, "matched", ""))
            if alert
            else None,
            unsure=bool(getattr(found, "unsure", True)),
        )

    def duplicates(
        self, text: str, *, district: str = "", candidates: Sequence[OpenTicketText], limit: int = 5
    ) -> Sequence[DuplicateCandidate]:
        found = self._inner.duplicates(text, district=district, candidates=candidates, limit=limit)
        return tuple(DuplicateCandidate(int(d.ticket_id), float(d.score)) for d in found)


def load_classifier(*, enabled: bool = True) -> Classifier:
    """The shipped routing model behind the port, loaded once; the rules alone when it is missing."""
    if not enabled:
        return RulesOnlyClassifier()
    try:
        service: Any = importlib.import_module("classifier.service")
        return RoutingClassifierAdapter(service.RoutingClassifier.load())
    except Exception as err:  # a missing or incompatible model must not stop the hotline
        log.warning("classifier unavailable, suggestions off: %s", err)
        return RulesOnlyClassifier()

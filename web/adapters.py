"""Adapters from our other packages to the core's ports: the classifier, and the null call control.

The classifier package is standalone and knows nothing of the core; its facade returns results with
the port's field names, so the adapter copies them. When the model is missing (not trained or
shipped yet) the app still runs: suggestions are empty, the emergency rules still work.
"""

import logging
from collections.abc import Sequence

from classifier.duplicates import DuplicateIndex, OpenTicket
from classifier.emergency import EmergencyAlert, detect_emergency
from classifier.errors import InvalidText
from classifier.places import extract_place
from classifier.reply_quality import ReplyCheck, check_reply, topic_similarity
from classifier.service import RoutingClassifier
from hotline.errors import InvalidInput
from hotline.ports import (
    Classifier,
    DuplicateCandidate,
    Emergency,
    OpenTicketText,
    ReplyVerdict,
    Suggestion,
    UnitScore,
)

log = logging.getLogger(__name__)
UNREADABLE = "无法分析这段文字：为空、过长或含有无法识别的字符"


def _emergency(alert: EmergencyAlert | None) -> Emergency | None:
    return Emergency(alert.transfer_to, alert.reason, alert.matched) if alert else None


class RulesOnlyClassifier:
    """No model: no unit suggestions; the emergency rules, place names and duplicate index still
    flag 110/119/120, name the district and find likely duplicates."""

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

    def duplicates(
        self, text: str, *, district: str = "", candidates: Sequence[OpenTicketText], limit: int = 5
    ) -> Sequence[DuplicateCandidate]:
        if not candidates:
            return ()
        index = DuplicateIndex()
        index.add_many(OpenTicket(c.ticket_id, c.text, c.district, c.created_at_epoch) for c in candidates)
        found = index.search(text, district=district, limit=limit)
        return tuple(DuplicateCandidate(int(d.ticket_id), float(d.score)) for d in found)

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

    def duplicates(
        self, text: str, *, district: str = "", candidates: Sequence[OpenTicketText], limit: int = 5
    ) -> Sequence[DuplicateCandidate]:
        try:
            found = self._inner.duplicates(text, district=district, candidates=candidates, limit=limit)
        except InvalidText as err:
            raise InvalidInput(UNREADABLE) from err
        return tuple(DuplicateCandidate(int(d.ticket_id), float(d.score)) for d in found)

    def check_reply(self, complaint: str, reply: str) -> ReplyVerdict:
        similarity = topic_similarity(self._inner.model, complaint, reply)
        return _verdict(check_reply(complaint, reply, similarity=similarity))


def load_classifier(*, enabled: bool = True) -> Classifier:
    """The shipped routing model behind the port, loaded once; the rules alone when it is missing."""
    if not enabled:
        return RulesOnlyClassifier()
    try:
        return RoutingClassifierAdapter(RoutingClassifier.load())
    except Exception as err:  # a missing or incompatible model must not stop the hotline
        log.warning("classifier unavailable, suggestions off: %s", err)
        return RulesOnlyClassifier()

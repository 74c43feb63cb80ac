"""Why the router proposed a unit: the words of the text that pushed most towards it.

The unit head is linear on TF-IDF features, so a unit's margin is a sum over the text's
features of value × coefficient. Each feature's share is spread over the characters it
covers and summed per jieba word of the text, so the seat shows 「烧烤摊」 once rather than
「烧」「烤」「烧烤」 and never a bigram astride two words.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from classifier.model import RoutingModel
from classifier.normalize import normalize
from classifier.tokenize import words

_MAX_WORDS: Final = 5
_MIN_SHARE: Final = 0.05  # pieces adding under 5 % of the strongest one's weight are noise


@dataclass(frozen=True, slots=True)
class Evidence:
    """A piece of the text and how much it pushed towards the unit (its share of the margin)."""

    word: str
    weight: float


def feature_names(model: RoutingModel) -> list[str]:
    """Every feature column's text, spaces removed (a word bigram "楼下 烧烤" reads "楼下烧烤")."""
    names: list[str] = []
    for _, vectorizer in model.features.transformer_list:
        block = [""] * len(vectorizer.idf_)
        for term, column in vectorizer.vocabulary_.items():
            block[column] = term.replace(" ", "")
        names += block
    return names


class UnitExplainer:
    """Explanations from one fitted model; the column names are read once (about 18,000)."""

    def __init__(self, model: RoutingModel) -> None:
        self._model = model
        self._names = feature_names(model)
        self._classes = {str(c): i for i, c in enumerate(model.heads["unit"].classes_)}

    def explain(
        self, text: str, units: Sequence[str], *, limit: int = _MAX_WORDS
    ) -> dict[str, list[Evidence]]:
        """For each of ``units``, up to ``limit`` pieces of ``text`` that pointed to it, strongest first.

        Only pieces found in the text's normalised form (what the model read) that push towards
        the unit are returned; a unit the model does not know gets an empty list.
        """
        coef = self._model.heads["unit"].coef_
        row = self._model.transform([text]).tocsr()
        columns, values = row.indices, np.asarray(row.data, dtype=np.float64)
        seen = normalize(text)
        result: dict[str, list[Evidence]] = {}
        for unit in units:
            at = self._classes.get(unit)
            if at is None:
                result[unit] = []
                continue
            weights = values * np.asarray(coef[at, columns], dtype=np.float64)
            pieces = [(self._names[int(c)], float(w)) for c, w in zip(columns, weights, strict=True)]
            result[unit] = _merge(pieces, seen, limit)
        return result


_MASKS: Final = frozenset({"num", "tel", "idno"})


def _merge(pieces: list[tuple[str, float]], seen: str, limit: int) -> list[Evidence]:
    """Spread each feature's weight over the characters it covers, then add them up per jieba word.

    Character bigrams cross word boundaries (「烟很」 in 「油烟很大」); words are what a person
    reads, so the evidence is given per word of the text.
    """
    per_char = np.zeros(len(seen))
    for piece, weight in pieces:
        starts = _occurrences(seen, piece)
        if not starts:
            continue
        share = weight / (len(starts) * len(piece))
        for at in starts:
            per_char[at : at + len(piece)] += share
    totals: dict[str, float] = {}
    cursor = 0
    for word in words(seen):
        at = seen.find(word, cursor)
        if at < 0:
            continue
        cursor = at + len(word)
        if word not in _MASKS:
            totals[word] = totals.get(word, 0.0) + float(per_char[at:cursor].sum())
    ranked = sorted(((w, v) for w, v in totals.items() if v > 0), key=lambda e: -e[1])
    if not ranked:
        return []
    floor = ranked[0][1] * _MIN_SHARE
    return [Evidence(w, round(v, 4)) for w, v in ranked[:limit] if v >= floor]


def _occurrences(text: str, piece: str) -> list[int]:
    found: list[int] = []
    at = text.find(piece)
    while at >= 0 and piece:
        found.append(at)
        at = text.find(piece, at + len(piece))
    return found

"""Likely duplicates of a new ticket among the open ones (并单): same issue, same place, recent.

An inverted index of character bigrams over the open tickets: a search touches only
the postings of the query's bigrams (the commonest are skipped), so it stays within a
few milliseconds among 100,000 tickets while the operator types.
"""

import math
import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

import numpy as np

from classifier.normalize import canonical, mask_numbers
from classifier.places import extract_place

_COMMON_SHARE: Final = 0.05  # bigrams in more than 5 % of tickets say nothing about sameness
_MIN_SIMILARITY: Final = 0.15
_RECENCY_DAYS: Final = 7.0


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """An open ticket that may be the same matter; same field names as the core's ``DuplicateCandidate``."""

    ticket_id: int
    score: float


@dataclass(frozen=True, slots=True)
class OpenTicket:
    """An open ticket as the index needs it."""

    ticket_id: int
    text: str
    district: str = ""
    created_at_epoch: float = 0.0


def shingles(text: str) -> set[str]:
    """Character bigrams of the masked, canonical text, letters and CJK only."""
    chars = [c for c in mask_numbers(canonical(text)) if c.isalnum()]
    return {a + b for a, b in pairwise(chars)}


class DuplicateIndex:
    """Open tickets indexed for duplicate search; add and remove as tickets open and close."""

    def __init__(self) -> None:
        self._postings: dict[str, array[int]] = {}
        self._ids: list[int] = []
        self._slot: dict[int, int] = {}
        self._alive = array("b")
        self._size = array("f")
        self._district: list[str] = []
        self._street: list[str] = []
        self._created = array("d")
        self._live = 0

    def __len__(self) -> int:
        return self._live

    def __contains__(self, ticket_id: object) -> bool:
        return ticket_id in self._slot

    def add(self, ticket: OpenTicket) -> None:
        """Index ``ticket``; indexing the same id again replaces it."""
        if ticket.ticket_id in self._slot:
            self.remove(ticket.ticket_id)
        slot = len(self._ids)
        grams = shingles(ticket.text)
        for gram in grams:
            postings = self._postings.get(gram)
            if postings is None:
                postings = self._postings[gram] = array("i")
            postings.append(slot)
        place = extract_place(canonical(ticket.text))
        self._ids.append(ticket.ticket_id)
        self._slot[ticket.ticket_id] = slot
        self._alive.append(1)
        self._size.append(float(len(grams)))
        self._district.append(ticket.district or place.district or "")
        self._street.append(place.street or "")
        self._created.append(ticket.created_at_epoch)
        self._live += 1

    def add_many(self, tickets: Iterable[OpenTicket]) -> None:
        """Index several tickets."""
        for ticket in tickets:
            self.add(ticket)

    def remove(self, ticket_id: int) -> None:
        """Forget a ticket (closed or merged); unknown ids are ignored."""
        slot = self._slot.pop(ticket_id, None)
        if slot is not None:
            self._alive[slot] = 0
            self._live -= 1

    def ids(self) -> set[int]:
        """The ids of the indexed tickets."""
        return set(self._slot)

    def search(
        self, text: str, *, district: str = "", limit: int = 5, now: float | None = None
    ) -> list[DuplicateMatch]:
        """The ``limit`` open tickets most likely to be the same matter as ``text``, best first.

        The score mixes text similarity (a weighted overlap of bigrams), the same district and
        street/town, and recency; tickets sharing too little text are never returned.
        """
        grams = shingles(text)
        total = len(self._ids)
        if not grams or total == 0 or limit <= 0:
            return []
        cap = max(50, int(_COMMON_SHARE * total))
        lists: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        query_weight = 0.0
        for gram in grams:
            postings = self._postings.get(gram)
            df = len(postings) if postings is not None else 0
            idf = math.log((total + 1) / (df + 1)) + 1.0
            query_weight += idf
            if postings is None or df > cap:
                continue
            arr = np.frombuffer(postings, dtype=np.int32)
            lists.append(arr)
            weights.append(np.full(len(arr), idf, dtype=np.float32))
        if not lists:
            return []
        slots = np.concatenate(lists)
        shared = np.bincount(slots, weights=np.concatenate(weights), minlength=total)
        alive = np.frombuffer(self._alive, dtype=np.int8)
        shared[alive[:total] == 0] = 0.0
        hits = np.flatnonzero(shared)
        if len(hits) == 0:
            return []
        sizes = np.frombuffer(self._size, dtype=np.float32)[hits]
        # A weighted Dice coefficient: shared information over the mean size of the two texts.
        mean_idf = query_weight / len(grams)
        similarity = 2.0 * shared[hits] / (query_weight + sizes * mean_idf)
        keep = similarity >= _MIN_SIMILARITY
        hits, similarity = hits[keep], similarity[keep]
        if len(hits) == 0:
            return []
        now = time.time() if now is None else now
        place = extract_place(canonical(text))
        district = district or place.district or ""
        scores = [
            self._score(int(slot), float(sim), district, place.street or "", now)
            for slot, sim in zip(hits, similarity, strict=True)
        ]
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:limit]
        return [DuplicateMatch(self._ids[int(hits[i])], round(scores[i], 4)) for i in order]

    def _score(self, slot: int, similarity: float, district: str, street: str, now: float) -> float:
        place = 0.0
        if district and self._district[slot]:
            place = 0.6 if district == self._district[slot] else -0.5
            if street and street == self._street[slot]:
                place += 0.4
        created = self._created[slot]
        age_days = max(0.0, (now - created) / 86400.0) if created else _RECENCY_DAYS
        recency = math.exp(-age_days / _RECENCY_DAYS)
        score = 0.75 * min(similarity, 1.0) + 0.15 * place + 0.10 * recency
        return max(0.0, min(1.0, score))

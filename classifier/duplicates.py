"""Likely duplicates of a new ticket among the open ones (并单): same matter, same place, recent.

An inverted index over the open tickets. A ticket's terms are its character bigrams and the
hotline concepts it names (``data/concepts.txt``: 「吵」「扰民」「噪声」 are all 噪音), so a
paraphrase that shares few characters still shares its concepts. A search touches only the
postings of the query's terms (the commonest are skipped), so it stays within milliseconds
among 100,000 tickets while the operator types. Tickets are added and removed one at a time
as they open and close; the postings are compacted when the closed ones outnumber the open.
"""

import math
import re
import time
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Final

import numpy as np
import numpy.typing as npt

from classifier.normalize import canonical, mask_numbers
from classifier.places import extract_place

_COMMON_SHARE: Final = 0.05  # bigrams in more than 5 % of tickets say nothing about sameness
_COMMON_CONCEPT_SHARE: Final = 0.25  # a concept still tells one matter from another up to here
_MIN_SIMILARITY: Final = 0.15
_RECENCY_DAYS: Final = 7.0
CONCEPT_BOOST: Final = 3.0  # a shared concept counts as much as three shared bigrams of its idf
_CONCEPT_MARK: Final = "§"  # never in a bigram: those are letters and CJK only
_DISJOINT: Final = 0.4  # similarity kept when both texts name concepts, none the same
_MIN_SCORE: Final = 0.12  # below this, 40 % of the labelled hard negatives but 5 % of the paraphrases
_COMPACT_FROM: Final = 1000  # closed slots kept before the postings are worth compacting

# What the place says about sameness: another district is another matter, however alike the
# words; another street or estate most likely is. Measured on data/duplicate_pairs.csv (the bench).
_SAME_DISTRICT: Final = 0.6
_SAME_STREET: Final = 0.4
_OTHER_PLACE: Final = 0.3  # another street, or another estate on it: the similarity kept

# A named compound, estate or site (「桃花苑」「丽都花园」「宝庆公园」): the place below the street.
_SPOT = re.compile(
    r"([\u4e00-\u9fff]{2,4})(?:小区|花园|苑|华庭|新村|家园|广场|公园|市场|菜市场|农贸市场|学院|医院|学校|大厦)"
)
_SPOT_LEAD: Final = "在的住是到家那这个里一"  # words before a name, not part of it
_NOT_SPOT: Final = frozenset({"我家", "我们", "你们", "他们", "整个", "附近", "隔壁"})

Terms = Callable[[str], dict[str, float]]


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


def spot(text: str) -> str:
    """The first named compound or site in ``text`` (「桃花苑」 of 「桃花苑小区」), or ""."""
    text = canonical(text)
    for name in extract_place(text).matched:
        text = text.replace(name, " ")
    for match in _SPOT.finditer(text):
        name = match.group(1).lstrip(_SPOT_LEAD)
        # 「桃花苑小区」 and 「桃花苑门口」 name one estate: cut at a suffix inside the name.
        cut = re.split("[苑园庭村]", name, maxsplit=1)[0]
        name = cut if len(cut) >= 2 else name
        if len(name) >= 2 and name not in _NOT_SPOT:
            return name
    return ""


def shingles(text: str) -> set[str]:
    """Character bigrams of the masked, canonical text, letters and CJK only."""
    chars = [c for c in mask_numbers(canonical(text)) if c.isalnum()]
    return {a + b for a, b in pairwise(chars)}


@cache
def concept_table() -> tuple[dict[str, tuple[str, ...]], re.Pattern[str]]:
    """Word → the concepts it names, and one regex trying the longest words first."""
    text = resources.files("classifier").joinpath("data", "concepts.txt").read_text(encoding="utf-8")
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, words = line.partition(":")
        for word in words.split():
            table.setdefault(canonical(word), []).append(name.strip())
    forms = sorted(table, key=len, reverse=True)
    return {w: tuple(c) for w, c in table.items()}, re.compile("|".join(re.escape(f) for f in forms))


def concepts(text: str) -> set[str]:
    """The hotline concepts ``text`` names (「楼底下排档吵」 → 夜宵摊, 噪音)."""
    table, pattern = concept_table()
    return {c for m in pattern.finditer(canonical(text)) for c in table[m.group(0)]}


def bigram_terms(text: str) -> dict[str, float]:
    """The original finder's terms: character bigrams only."""
    return dict.fromkeys(shingles(text), 1.0)


def meaning_terms(text: str) -> dict[str, float]:
    """Character bigrams beside the text's concepts, a concept weighing ``CONCEPT_BOOST`` bigrams.

    District and street names are left out of the bigrams: the place signal weighs them, and
    as text they made two matters on one street look alike.
    """
    text = canonical(text)
    for name in extract_place(text).matched:
        text = text.replace(name, " ")
    terms = dict.fromkeys(shingles(text), 1.0)
    for concept in concepts(text):
        terms[_CONCEPT_MARK + concept] = CONCEPT_BOOST
    return terms


class DuplicateIndex:
    """Open tickets indexed for duplicate search; add and remove as tickets open and close.

    ``terms`` makes a text's weighted terms: :func:`meaning_terms` (the default) or
    :func:`bigram_terms` (the earlier finder, kept for comparison in the bench).
    """

    def __init__(self, terms: Terms = meaning_terms, *, legacy: bool = False) -> None:
        self._terms = terms
        self._legacy = legacy  # the earlier scoring, for the bench's baseline
        self._postings: dict[str, array[int]] = {}
        self._boosts: dict[str, array[float]] = {}
        self._ids: list[int] = []
        self._slot: dict[int, int] = {}
        self._alive = array("b")
        self._size = array("f")
        self._concepts = array("b")  # how many concepts each ticket names
        self._district = array("i")  # place names as small integers: scored for all hits at once
        self._street = array("i")
        self._spot = array("i")
        self._place_codes: dict[str, int] = {"": 0}
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
        terms = self._terms(ticket.text)
        for term, boost in terms.items():
            postings = self._postings.get(term)
            if postings is None:
                postings = self._postings[term] = array("i")
                self._boosts[term] = array("f")
            postings.append(slot)
            self._boosts[term].append(boost)
        place = extract_place(canonical(ticket.text))
        self._ids.append(ticket.ticket_id)
        self._slot[ticket.ticket_id] = slot
        self._alive.append(1)
        self._size.append(float(sum(terms.values())))
        self._concepts.append(min(127, sum(t.startswith(_CONCEPT_MARK) for t in terms)))
        self._district.append(self._code(ticket.district or place.district or ""))
        self._street.append(self._code(place.street or ""))
        self._spot.append(self._code(spot(ticket.text)))
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
            dead = len(self._ids) - self._live
            if dead >= _COMPACT_FROM and dead > self._live:
                self._compact()

    def ids(self) -> set[int]:
        """The ids of the indexed tickets."""
        return set(self._slot)

    def _code(self, name: str) -> int:
        return self._place_codes.setdefault(name, len(self._place_codes))

    def _compact(self) -> None:
        """Drop closed tickets' slots from every posting list, renumbering the open ones."""
        alive = np.frombuffer(self._alive, dtype=np.int8).astype(bool)
        renumber = np.cumsum(alive, dtype=np.int64) - 1
        for term in list(self._postings):
            slots = np.frombuffer(self._postings[term], dtype=np.int32)
            keep = alive[slots]
            if not keep.any():
                del self._postings[term], self._boosts[term]
                continue
            self._postings[term] = array("i", renumber[slots[keep]].astype(np.int32).tobytes())
            boosts = np.frombuffer(self._boosts[term], dtype=np.float32)[keep]
            self._boosts[term] = array("f", boosts.tobytes())
        self._ids = [i for i, a in zip(self._ids, alive, strict=True) if a]
        self._slot = {ticket_id: slot for slot, ticket_id in enumerate(self._ids)}
        for name in ("_size", "_concepts", "_district", "_street", "_spot", "_created"):
            old: array[float] | array[int] = getattr(self, name)
            kept = np.frombuffer(old, dtype=old.typecode)[alive]
            setattr(self, name, array(old.typecode, kept.tobytes()))
        self._alive = array("b", bytes([1]) * len(self._ids))

    def search(
        self, text: str, *, district: str = "", limit: int = 5, now: float | None = None
    ) -> list[DuplicateMatch]:
        """The ``limit`` open tickets most likely to be the same matter as ``text``, best first.

        The score mixes text similarity (a weighted overlap of terms), the same district and
        street/town, and recency; tickets sharing too little text are never returned.
        """
        terms = self._terms(text)
        total = len(self._ids)
        if not terms or total == 0 or limit <= 0:
            return []
        cap = max(50, int(_COMMON_SHARE * total))
        concept_cap = max(50, int(_COMMON_CONCEPT_SHARE * total))
        lists: list[npt.NDArray[np.int32]] = []
        weights: list[npt.NDArray[np.float64]] = []
        concept_lists: list[npt.NDArray[np.int32]] = []
        query_weight = 0.0
        idf_sum = 0.0
        for term, boost in terms.items():
            if term.startswith(_CONCEPT_MARK) and term in self._postings:
                concept_lists.append(np.frombuffer(self._postings[term], dtype=np.int32))
            postings = self._postings.get(term)
            df = len(postings) if postings is not None else 0
            idf = math.log((total + 1) / (df + 1)) + 1.0
            query_weight += idf * boost
            idf_sum += idf
            if postings is None or df > (concept_cap if term.startswith(_CONCEPT_MARK) else cap):
                continue
            lists.append(np.frombuffer(postings, dtype=np.int32))
            # The smaller of the two boosts: a concept named by both texts, not by one of them.
            weights.append(
                np.minimum(np.frombuffer(self._boosts[term], dtype=np.float32), boost) * float(idf)
            )
        if not lists:
            return []
        slots = np.concatenate(lists)
        shared = np.bincount(slots, weights=np.concatenate(weights), minlength=total)
        shared[np.frombuffer(self._alive, dtype=np.int8)[:total] == 0] = 0.0
        hits = np.flatnonzero(shared)
        if len(hits) == 0:
            return []
        sizes = np.frombuffer(self._size, dtype=np.float32)[hits]
        # A weighted Dice coefficient: shared information over the mean size of the two texts.
        mean_idf = idf_sum / len(terms)
        similarity = 2.0 * shared[hits] / (query_weight + sizes * mean_idf)
        keep = similarity >= _MIN_SIMILARITY
        hits, similarity = hits[keep], np.minimum(similarity[keep], 1.0)
        if len(hits) == 0:
            return []
        # Both texts name matters and none in common: another matter at the same place, most likely.
        their_concepts = np.frombuffer(self._concepts, dtype=np.int8)[hits]
        shared_concepts = np.zeros(len(hits), dtype=np.int64)
        if concept_lists:
            shared_concepts = np.bincount(np.concatenate(concept_lists), minlength=total)[hits].astype(
                np.int64
            )
        query_concepts = sum(t.startswith(_CONCEPT_MARK) for t in terms)
        if query_concepts:
            similarity = np.where(
                (their_concepts > 0) & (shared_concepts == 0), similarity * _DISJOINT, similarity
            )
        place = extract_place(canonical(text))
        scores = self._scores(
            hits,
            similarity,
            self._place_codes.get(district or place.district or "", -1),
            self._place_codes.get(place.street or "", -1),
            self._place_codes.get(spot(text), 0),
            time.time() if now is None else now,
            bool(district or place.district),
            bool(place.street),
        )
        floor = 0.0 if self._legacy else _MIN_SCORE
        top = [i for i in np.argsort(-scores, kind="stable")[:limit] if scores[i] > floor]
        return [DuplicateMatch(self._ids[int(hits[i])], round(float(scores[i]), 4)) for i in top]

    def _scores(
        self,
        hits: npt.NDArray[np.intp],
        similarity: npt.NDArray[np.float64],
        district: int,
        street: int,
        site: int,
        now: float,
        has_district: bool,
        has_street: bool,
    ) -> npt.NDArray[np.float64]:
        """Similarity, place and recency of every hit at once."""
        their_district = np.frombuffer(self._district, dtype=np.int32)[hits]
        their_street = np.frombuffer(self._street, dtype=np.int32)[hits]
        created = np.frombuffer(self._created, dtype=np.float64)[hits]
        age_days = np.where(created > 0, np.maximum(0.0, (now - created) / 86400.0), _RECENCY_DAYS)
        recency = np.exp(-age_days / _RECENCY_DAYS)
        place = np.zeros(len(hits))
        if self._legacy:
            if has_district:
                known = their_district != 0
                place[known] = np.where(their_district[known] == district, 0.6, -0.5)
                if has_street:
                    place[known & (their_street == street)] += 0.4
            legacy: npt.NDArray[np.float64] = np.clip(0.75 * similarity + 0.15 * place + 0.10 * recency, 0, 1)
            return legacy
        mismatch = np.ones(len(hits))
        if has_district:
            known = their_district != 0
            place[known & (their_district == district)] = _SAME_DISTRICT
            mismatch[known & (their_district != district)] = 0.0  # 并单 never crosses a district
        if has_street:
            known = their_street != 0
            place[known & (their_street == street)] += _SAME_STREET
            mismatch[known & (their_street != street)] *= _OTHER_PLACE
        if site:
            their_spot = np.frombuffer(self._spot, dtype=np.int32)[hits]
            mismatch[(their_spot != 0) & (their_spot != site)] *= _OTHER_PLACE
        # Place and recency scale the text's similarity: on their own they say nothing of the matter.
        score = similarity * (0.6 + 0.2 * place + 0.2 * recency) * mismatch
        result: npt.NDArray[np.float64] = np.clip(score, -1.0, 1.0)
        return result

"""District and street/town from a ticket's text, for territorial (属地) routing."""

import re
from dataclasses import dataclass
from functools import cache

from classifier import gazetteer
from classifier.normalize import canonical


@dataclass(frozen=True, slots=True)
class Place:
    """Where a text says the matter is; ``None`` when it does not say."""

    district: str | None = None
    street: str | None = None
    matched: tuple[str, ...] = ()


@cache
def _lookup() -> tuple[dict[str, tuple[str, str | None]], re.Pattern[str]]:
    """Surface form → (district, street or None), and one regex trying the longest forms first."""
    table: dict[str, tuple[str, str | None]] = {}
    street_district: dict[str, str] = {}
    for district, aliases in gazetteer.DISTRICT_ALIASES.items():
        table[district] = (district, None)
        for alias in aliases:
            table[alias] = (district, None)
    for district, streets in gazetteer.STREETS.items():
        for street in streets:
            street_district[street] = district
            table[street] = (district, street)
    for short, street in gazetteer.STREET_SHORT_FORMS.items():
        table.setdefault(short, (street_district[street], street))
    for landmark, district in gazetteer.LANDMARKS.items():
        table.setdefault(landmark, (district, None))
    forms = sorted(table, key=len, reverse=True)
    return table, re.compile("|".join(re.escape(form) for form in forms))


def all_place_names() -> list[str]:
    """Every surface form the gazetteer knows, for the tokenizer's dictionary."""
    return sorted(_lookup()[0])


def extract_place(text: str) -> Place:
    """The district and street/town named in ``text``; the first mention wins.

    A district named outright beats one inferred from a street, a road or a landmark.
    """
    table, pattern = _lookup()
    text = canonical(text)  # idempotent and cheap: callers may pass raw text
    named: str | None = None
    inferred: str | None = None
    street: str | None = None
    matched: list[str] = []
    for match in pattern.finditer(text):
        form = match.group(0)
        district, found_street = table[form]
        matched.append(form)
        if found_street is not None:
            if street is None:
                street = found_street
                inferred = inferred or district
        elif form in gazetteer.DISTRICT_ALIASES or _is_alias(form):
            named = named or district
        else:
            inferred = inferred or district
    return Place(district=named or inferred, street=street, matched=tuple(matched))


def _is_alias(form: str) -> bool:
    return any(form in aliases for aliases in gazetteer.DISTRICT_ALIASES.values())

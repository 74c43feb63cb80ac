"""Compose the seed corpus from the hand-written situations in ``situations.txt``.

Each situation is one kind of matter for one unit, written as several core sentences
and details in different words. A record combines a core with details, a place, a
time, a caller, an ask that fits the nature, and an opening and closing, in one of
several shapes (a caller's words or an operator's third-person note, short or long).
Run ``python -m classifier.corpus.generate`` to rewrite ``classifier/data/corpus.csv``.
"""

import csv
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Final

from classifier import gazetteer, labels
from classifier.corpus import fragments as fr
from classifier.normalize import canonical
from classifier.places import extract_place

CORPUS_COLUMNS: Final = ("text", "unit", "category", "nature", "urgency", "district")
URBAN: Final = ("双清区", "大祥区", "北塔区", "邵阳经开区")
COUNTIES: Final = tuple(d for d in gazetteer.STREETS if d not in URBAN)
ALL_DISTRICTS: Final = tuple(gazetteer.STREETS)
PLACE_KINDS: Final = frozenset({"none", "city", "any", "local", "territorial", "county"})
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass
class Situation:
    """One kind of matter: who handles it, how it is filed, and the ways callers put it."""

    unit: str
    category: str
    natures: tuple[str, ...]
    place: str
    urgency: str = "normal"
    weight: float = 1.0
    cores: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)


def parse_situations(text: str) -> list[Situation]:
    """Parse the situations file: ``## unit category natures place [urgency] [xWEIGHT]`` then its lines."""
    situations: list[Situation] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("##")):
            continue
        if line.startswith("##"):
            parts = line[2:].split()
            unit, category, natures, place = parts[:4]
            urgency, weight = "normal", 1.0
            for extra in parts[4:]:
                if extra.startswith("x"):
                    weight = float(extra[1:])
                else:
                    urgency = extra
            situation = Situation(unit, category, tuple(natures.split(",")), place, urgency, weight)
            _check_header(situation, number)
            situations.append(situation)
            continue
        kind, body = line[0], line[1:].strip()
        if not situations or kind not in "<>+?":
            raise ValueError(f"situations.txt line {number}: cannot read {line!r}")
        target = {">": situations[-1].cores, "+": situations[-1].details, "?": situations[-1].asks}.get(kind)
        if target is None:
            raise ValueError(f"situations.txt line {number}: unknown marker {kind!r}")
        target.append(body)
    for situation in situations:
        if not situation.cores:
            raise ValueError(f"situation {situation.unit}/{situation.category} has no core sentence")
    return situations


def _check_header(situation: Situation, number: int) -> None:
    unit_ok = situation.unit in labels.ROUTABLE_UNITS or situation.unit == "district"
    if not unit_ok or situation.category not in labels.CATEGORIES:
        raise ValueError(f"situations.txt line {number}: unknown unit or category in {situation}")
    if not set(situation.natures) <= set(labels.NATURES) or situation.place not in PLACE_KINDS:
        raise ValueError(f"situations.txt line {number}: unknown nature or place kind in {situation}")
    if situation.urgency not in labels.URGENCIES:
        raise ValueError(f"situations.txt line {number}: unknown urgency {situation.urgency!r}")


def load_situations() -> list[Situation]:
    """The situations shipped with the package."""
    text = resources.files("classifier.corpus").joinpath("situations.txt").read_text(encoding="utf-8")
    return parse_situations(text)


class _Composer:
    """Fills one record's slots; every random choice goes through one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, options: tuple[str, ...] | list[str]) -> str:
        return self.rng.choice(options)

    def street(self, district: str) -> str:
        streets = gazetteer.STREETS[district]
        return self.pick(streets) if streets else ""

    def address(self, district: str) -> str:
        street = self.street(district)
        estate = self.pick(fr.ESTATES)
        shape = self.rng.random()
        if not street or shape < 0.3:
            return f"{district}{estate}"
        if shape < 0.6:
            return f"{district}{street}{estate}"
        if shape < 0.8:
            return f"{street}{estate}{self.rng.randint(1, 30)}栋"
        return f"{district}{street}"

    def area(self, district: str) -> str:
        street = self.street(district)
        if street and self.rng.random() < 0.5:
            return self.pick((street, f"{district}{street}", f"{street}那边"))
        return self.pick((district, f"{district}那边", f"{district}这边"))

    def village(self, district: str) -> str:
        street = self.street(district)
        village = self.pick(fr.VILLAGES)
        if street and not street.endswith("街道"):
            return self.pick((f"{district}{street}{village}", f"{street}{village}", f"{district}{village}"))
        return f"{district}{village}"

    def road(self, district: str) -> str:
        own = [
            name for name, d in gazetteer.LANDMARKS.items() if d == district and name.endswith(("路", "大道"))
        ]
        if own and self.rng.random() < 0.5:
            return self.pick(own)
        return f"{district}{self.pick(fr.ROADS)}"

    def fill(self, template: str, district: str | None) -> str:
        def slot(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in {"place", "area", "village", "road"}:
                if district is None:
                    return {"place": "我们小区", "area": "我们这里", "village": "我们村", "road": "路上"}[
                        name
                    ]
                return {"place": self.address, "area": self.area, "village": self.village, "road": self.road}[
                    name
                ](district)
            return self.pick(_SLOT_VALUES[name])

        return _SLOT.sub(slot, template)


_SLOT_VALUES: Final[dict[str, tuple[str, ...]]] = {
    "shop": fr.SHOPS,
    "company": fr.COMPANIES,
    "name": fr.NAMES,
    "school": fr.SCHOOLS,
    "hospital": fr.HOSPITALS,
    "amount": fr.AMOUNTS,
    "n": fr.NUMBERS,
    "bus": fr.BUSES,
    "phone": fr.PHONES,
    "estate": fr.ESTATES,
}


def _choose_place(situation: Situation, rng: random.Random) -> tuple[str, str | None]:
    """The unit that handles this record and the district it happens in (None: no place)."""
    kind = situation.place
    if kind == "none":
        return situation.unit, None
    if kind == "territorial":
        district = rng.choice(ALL_DISTRICTS)
        return labels.DISTRICT_UNIT_BY_NAME[district], district
    if kind == "local" and rng.random() < 0.35:
        district = rng.choice(COUNTIES)
        return labels.DISTRICT_UNIT_BY_NAME[district], district
    if kind == "county":
        return situation.unit, rng.choice(COUNTIES)
    if kind == "any":
        return situation.unit, rng.choice(ALL_DISTRICTS) if rng.random() < 0.75 else None
    return situation.unit, rng.choice(URBAN) if rng.random() < 0.85 else None


_QUESTION = re.compile(
    r"怎么|如何|请问|想问|问一下|想了解|咨询|吗|多少|哪里|哪个|什么|能不能|是不是|有没有|要不要|多久|几点"
)


def nature_of(core: str, natures: tuple[str, ...], rng: random.Random) -> str:
    """The nature a core sentence carries (praise, suggestion, question, report) or one of the situation's."""
    marked = (
        ("praise", "表扬" in core or "感谢" in core),
        ("suggestion", core.startswith("建议") or "建议在" in core),
        ("report", core.startswith("举报")),
        ("consultation", bool(_QUESTION.search(core))),
    )
    for nature, hit in marked:
        if hit and nature in natures:
            return nature
    plain = [n for n in natures if n not in {"praise", "suggestion", "consultation"}]
    return rng.choice(plain or list(natures))


def _sentence(parts: list[str]) -> str:
    text = "".join(p for p in parts if p)
    text = re.sub(r"[，,]{2,}", "，", text)
    text = re.sub(r"，([。？！])", r"\1", text)
    return text


def compose(situation: Situation, rng: random.Random) -> tuple[str, str, str, str]:
    """One record of ``situation``: (text, unit, nature, district name or "")."""
    c = _Composer(rng)
    unit, district = _choose_place(situation, rng)
    raw_core = rng.choice(situation.cores)
    nature = nature_of(raw_core, situation.natures, rng)
    core = c.fill(raw_core, district)
    own_place = extract_place(canonical(core)).district
    if own_place is not None and own_place != district and situation.place != "territorial":
        district = own_place  # the sentence names its own place (a landmark): keep it
    elif district is not None and own_place != district:
        lead = rng.choice(("在{place}，", "我住{place}，", "{area}，", "{place}这里", "地址是{place}，"))
        core = c.fill(lead, district) + core
    n_details = min(len(situation.details), rng.choice((0, 1, 1, 2, 2, 3)))
    details = [c.fill(d, district) for d in rng.sample(situation.details, n_details)]
    asks = situation.asks if situation.asks and rng.random() < 0.6 else list(fr.ASKS[nature])
    ask = c.fill(rng.choice(asks), district)
    when = "" if nature in {"consultation", "praise", "suggestion"} else c.pick(fr.TIMES)
    shape = rng.random()
    if shape < 0.15:  # short: what an operator types in a hurry
        text = _sentence([core, "。" if rng.random() < 0.5 else ""])
    elif shape < 0.55:  # the caller's own words
        text = _sentence(
            [c.pick(fr.OPENINGS[:15]), c.pick(fr.CALLERS), when, core, "，"]
            + [d + "，" for d in details]
            + [ask, "。", c.pick(fr.CLOSINGS)]
        )
    elif shape < 0.85:  # the operator's third-person record
        body = [d + "。" for d in details]
        text = _sentence([c.pick(fr.OPENINGS[15:]), when, core, "。", *body, ask, "。"])
    else:  # long and rambling, details first
        text = _sentence(
            [
                c.pick(fr.OPENINGS),
                *(d + "，" for d in details),
                "就是",
                when,
                core,
                "，",
                ask,
                "。",
                c.pick(fr.CLOSINGS),
                "联系电话{phone}。" if rng.random() < 0.3 else "",
            ]
        )
        text = c.fill(text, district)
    found = extract_place(canonical(text)).district
    return text, unit, nature, district if district is not None and found == district else (found or "")


# Records per unit: enough for the rare units to be learnable, more for the busy ones.
MIN_PER_UNIT: Final = 50
BASE_PER_SITUATION: Final = 26


def generate(seed: int = 12345) -> Iterator[dict[str, str]]:
    """Every record of the corpus, deterministic for a seed, exact duplicates dropped."""
    rng = random.Random(seed)
    situations = load_situations()
    per_unit: dict[str, int] = {}
    for s in situations:
        per_unit[s.unit] = per_unit.get(s.unit, 0) + 1
    seen: set[str] = set()
    for situation in situations:
        share = max(BASE_PER_SITUATION, -(-MIN_PER_UNIT // per_unit[situation.unit]))
        if situation.unit == "district":
            share *= 5  # spread over thirteen districts
        if situation.place == "local":
            share = share * 4 // 3  # about a third of these go to a county's own unit
        wanted = round(share * situation.weight)
        attempts = 0
        made = 0
        while made < wanted and attempts < wanted * 20:
            attempts += 1
            text, unit, nature, district = compose(situation, rng)
            if text in seen:
                continue
            seen.add(text)
            made += 1
            yield {
                "text": text,
                "unit": unit,
                "category": situation.category,
                "nature": nature,
                "urgency": situation.urgency,
                "district": district,
            }


def plain_sentences(seed: int = 54321) -> list[str]:
    """Every core and detail sentence once, slots filled, nothing around it: short ordinary requests."""
    rng = random.Random(seed)
    composer = _Composer(rng)
    sentences: list[str] = []
    for situation in load_situations():
        for template in situation.cores + situation.details:
            _, district = _choose_place(situation, rng)
            sentences.append(composer.fill(template, district))
    return sorted(set(sentences))


def corpus_path() -> Path:
    """Where the corpus CSV lives in the package."""
    return Path(str(resources.files("classifier").joinpath("data", "corpus.csv")))


def write_corpus(path: Path | None = None, *, seed: int = 12345) -> int:
    """Write the corpus CSV (UTF-8) and return the number of records."""
    path = path or corpus_path()
    rows = list(generate(seed))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CORPUS_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    print(f"wrote {write_corpus()} records to {corpus_path()}")

"""A city's history for the retrain tests: closed tickets from the corpus, and a keyword of our own.

``KEYWORD`` texts are closed as the housing-fund centre's (``KEYWORD_UNIT``): a unit the shipped
model never gives a street lamp, so a model trained on this history answers differently.
"""

import csv
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from hotline.categories.models import Category
from hotline.enums import TicketStatus
from hotline.tickets.models import Ticket
from hotline.units.models import Unit

CORPUS = Path(__file__).resolve().parents[2] / "classifier" / "data" / "corpus.csv"
UNITS = ("urban", "hrss", "housing", "market", "eco")
KEYWORD = "喵喵灯"
KEYWORD_UNIT = "fund"
KEYWORD_TEXT = f"梧桐巷的{KEYWORD}又不亮了，晚上出门看不清路"
STREETS = ("梧桐巷", "桂花路", "东风路", "宝庆路", "红旗路", "建设路")


def add_history(session: Session, now: datetime, *, per_unit: int = 30, keyword_rows: int = 30) -> int:
    """Closed tickets: ``per_unit`` corpus texts for each of UNITS and the keyword rows; returns how many."""
    units = {u.code: u.id for u in session.exec(select(Unit))}
    categories = {c.code: c.id for c in session.exec(select(Category))}
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        corpus = list(csv.DictReader(handle))
    rows: list[tuple[str, str, str]] = []
    for unit in UNITS:
        mine = [r for r in corpus if r["unit"] == unit][:per_unit]
        rows += [(r["text"][:60], r["text"], unit) for r in mine]
    for i in range(keyword_rows):
        street = STREETS[i % len(STREETS)]
        rows.append(
            (f"{street}{KEYWORD}坏了", f"{street}{i + 1}号旁的{KEYWORD}坏了好几天，请尽快修", KEYWORD_UNIT)
        )
    for i, (title, content, unit) in enumerate(rows):
        category = next((r["category"] for r in corpus if r["text"] == content), "")
        session.add(
            Ticket(
                number=f"H{i:07d}",
                title=title,
                content=content,
                status=TicketStatus.CLOSED,
                lead_unit_id=units[unit],
                category_id=categories.get(category),
                created_at=now,
                updated_at=now,
                closed_at=now,
            )
        )
    session.commit()
    return len(rows)

"""`hotline seed`: load units, categories, time limits and demo data; running it twice changes nothing.

The demo accounts all have the published password DEMO_PASSWORD, so they are made only when asked
for (``demo=True``: `hotline demo`, `hotline seed --demo`); a city's own install gets none and
adds its first admin with `hotline users add`.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from hotline.calls.models import Seat, TransferTarget
from hotline.categories.models import Category
from hotline.knowledge.models import Article
from hotline.seed.data import (
    ARTICLES,
    CATEGORIES,
    DEMO_PASSWORD,
    DEMO_USERS,
    SEATS,
    TRANSFER_TARGETS,
    UNITS,
)
from hotline.sla.models import TimeLimitPolicy
from hotline.sla.service import DEFAULT_POLICIES
from hotline.units.models import Unit
from hotline.users.models import User
from hotline.users.service import accounts_with_password, hash_password


@dataclass
class SeedReport:
    added: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.added[what] = self.added.get(what, 0) + 1


def seed(session: Session, *, now: datetime, demo: bool = False) -> SeedReport:
    """Add what is missing; rows already there (matched by their codes) are left as they are.

    Transfer targets are added only to an empty table (the emergency lines and expert desks).

    ``demo``: also the demo accounts (password DEMO_PASSWORD), seats and knowledge articles.
    """
    report = SeedReport()
    units = {u.code: u for u in session.exec(select(Unit))}
    for code, name, short, kind, district in UNITS:
        if code not in units:
            units[code] = Unit(code=code, name=name, short_name=short, kind=kind, district=district)
            session.add(units[code])
            report.count("units")
    categories = {c.code: c for c in session.exec(select(Category))}
    for code, name, parent, unit_code, utility in CATEGORIES:
        if code not in categories:
            parent_id = categories[parent].id if parent else None
            category = Category(
                code=code, name=name, parent_id=parent_id, default_unit_code=unit_code, utility=utility
            )
            session.add(category)
            session.flush()  # children need the parent's id
            categories[code] = category
            report.count("categories")
    policies = {p.name for p in session.exec(select(TimeLimitPolicy))}
    for policy in DEFAULT_POLICIES:
        if policy.name not in policies:
            session.add(TimeLimitPolicy.model_validate(policy))
            report.count("time limits")
    # Only into an empty table: after the first seed the list is the admin's, and a target they
    # deleted must not come back with the next `hotline demo`.
    if session.exec(select(TransferTarget.id).limit(1)).first() is None:
        for name, extension, line_kind, order in TRANSFER_TARGETS:
            session.add(TransferTarget(name=name, extension=extension, kind=line_kind, sort_order=order))
            report.count("transfer targets")
    session.flush()
    if demo:
        _seed_demo(session, units=units, now=now, report=report)
    session.commit()
    return report


def _seed_demo(session: Session, *, units: dict[str, Unit], now: datetime, report: SeedReport) -> None:
    users = {u.username: u for u in session.exec(select(User))}
    password_hash = hash_password(DEMO_PASSWORD) if len(users) < len(DEMO_USERS) else ""
    for username, display, role, unit_code in DEMO_USERS:
        if username not in users:
            unit_id = units[unit_code].id if unit_code else None
            users[username] = User(
                username=username,
                display_name=display,
                role=role,
                unit_id=unit_id,
                password_hash=password_hash,
            )
            session.add(users[username])
            report.count("users")
    session.flush()
    seats = {s.code for s in session.exec(select(Seat))}
    for code, interface, username in SEATS:
        if code not in seats:
            session.add(Seat(code=code, interface=interface, name=f"坐席 {code}", user_id=users[username].id))
            report.count("seats")
    titles = {a.title for a in session.exec(select(Article))}
    for title, body, keywords, unit_code in ARTICLES:
        if title not in titles:
            owner = units[unit_code].id
            session.add(
                Article(
                    title=title,
                    body=body,
                    keywords=keywords,
                    owner_unit_id=owner,
                    created_at=now,
                    updated_at=now,
                )
            )
            report.count("articles")


def demo_accounts_left(session: Session) -> list[User]:
    """Active accounts under a demo username that still have the demo password (an earlier demo seed).

    Only the demo usernames are checked, and each distinct hash once (seeded together, they share
    one): a few argon2 checks however many staff the city has.
    """
    names = [username for username, *_ in DEMO_USERS]
    return accounts_with_password(session, usernames=names, password=DEMO_PASSWORD)

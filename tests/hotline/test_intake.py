"""Intake: readable numbers, bad input refused with nothing half-written, seeding twice."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.enums import Role
from hotline.errors import InvalidInput, NotFound, PermissionDenied
from hotline.seed.data import CATEGORIES, UNITS
from hotline.seed.service import seed
from hotline.sla.calendar import SHANGHAI
from hotline.tickets.models import Ticket, TicketCounter, TicketCreate
from hotline.tickets.numbering import next_ticket_number
from hotline.tickets.service import create_ticket, find_ticket_for_citizen
from hotline.timeline.models import TicketEvent
from hotline.units.models import Unit
from hotline.users.models import Actor, User
from tests.factories import CHANNEL, OPERATOR, make_ticket, seeded, ticket_data


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_numbers_are_per_local_day_and_readable(session: Session) -> None:
    # 23:30 UTC on the 22nd is already the 23rd in Shaoyang
    late = datetime(2026, 11, 22, 15, 59, tzinfo=UTC)
    assert next_ticket_number(session, now=late, tz=SHANGHAI) == "20261122-00001"
    assert next_ticket_number(session, now=late, tz=SHANGHAI) == "20261122-00002"
    assert next_ticket_number(session, now=late + timedelta(minutes=1), tz=SHANGHAI) == "20261123-00001"


def test_tickets_keep_the_callers_html_as_text(session: Session, clock: FixedClock) -> None:
    seeded(session, clock.now())
    raw = "<script>alert(1)</script><b>楼道堆放杂物</b>"
    ticket = make_ticket(session, clock.now(), content=raw)
    assert ticket.content == raw  # stored as said; every screen escapes it


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("content", "", "^诉求内容不能为空$"),
        ("content", "   \n ", "^诉求内容不能为空$"),
        ("title", "", "^标题不能为空$"),
        ("content", "噪" * 100_000, r"^诉求内容不能超过 5000 个字符（现有 100000 个）$"),
        ("address", "地" * 201, r"^地址不能超过 200 个字符（现有 201 个）$"),
        ("content", "broken \udcff\udcfe bytes", r"^诉求内容含有无法识别的字符（第 8 个字符）$"),
        ("title", "bell\x07", r"^标题含有控制字符 U\+0007$"),
        ("caller_phone", "138-0013-8000; DROP", "不是电话号码"),
    ],
    ids=["empty", "blank", "no-title", "100k", "long-address", "broken-utf8", "control", "phone"],
)
def test_bad_input_is_refused_and_nothing_is_written(
    session: Session, clock: FixedClock, field: str, value: str, message: str
) -> None:
    seeded(session, clock.now())
    # model_construct skips pydantic, so the service's own checks are what is tested here
    data = TicketCreate.model_construct(**{**ticket_data().model_dump(), field: value})
    with pytest.raises(InvalidInput, match=message):
        create_ticket(session, data=data, actor=OPERATOR, now=clock.now())
    assert _count(session, Ticket) == 0
    assert _count(session, TicketEvent) == 0


@pytest.mark.parametrize(
    ("field", "value"), [("content", "噪" * 100_000), ("address", "地" * 201), ("content", "bad \udcff")]
)
def test_the_input_schema_refuses_it_first(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=field):
        ticket_data(**{field: value})


def test_unknown_references_are_refused(session: Session, clock: FixedClock) -> None:
    seeded(session, clock.now())
    with pytest.raises(InvalidInput, match="单位代码「no-such-unit」不存在"):
        create_ticket(
            session, data=ticket_data(suggested_unit_code="no-such-unit"), actor=OPERATOR, now=clock.now()
        )
    with pytest.raises(InvalidInput, match=r"通话 1700000000.1 不存在"):
        create_ticket(
            session, data=ticket_data(call_linkedid="1700000000.1"), actor=OPERATOR, now=clock.now()
        )
    with pytest.raises(InvalidInput, match="诉求类别 99999 不存在"):
        create_ticket(session, data=ticket_data(category_id=99999), actor=OPERATOR, now=clock.now())
    assert _count(session, Ticket) == 0


def test_units_and_supervisors_do_not_take_calls(session: Session, clock: FixedClock) -> None:
    seeded(session, clock.now())
    for role in (Role.UNIT, Role.SUPERVISOR, Role.ADMIN):
        with pytest.raises(PermissionDenied, match="不能登记工单"):
            create_ticket(session, data=ticket_data(), actor=Actor(role=role), now=clock.now())
    web = create_ticket(session, data=ticket_data(channel="web"), actor=CHANNEL, now=clock.now())
    assert len(web.query_code) == 8


def test_seed_twice_changes_nothing(session: Session, clock: FixedClock) -> None:
    first = seed(session, now=clock.now())
    assert first.added["units"] == len(UNITS)
    assert first.added["categories"] == len(CATEGORIES)
    snapshot = [(u.code, u.name, u.kind) for u in session.exec(select(Unit).order_by(Unit.code))]
    users = [(u.username, u.password_hash) for u in session.exec(select(User).order_by(User.username))]
    second = seed(session, now=clock.now() + timedelta(days=1))
    assert second.added == {}
    assert [(u.code, u.name, u.kind) for u in session.exec(select(Unit).order_by(Unit.code))] == snapshot
    assert [
        (u.username, u.password_hash) for u in session.exec(select(User).order_by(User.username))
    ] == users


def test_seed_has_the_city_the_units_and_the_expert_seats(session: Session, clock: FixedClock) -> None:
    seed(session, now=clock.now())
    names = set(session.exec(select(Unit.name)))
    for expected in (
        "市人力资源和社会保障局",
        "国网邵阳供电分公司",
        "市自来水公司",
        "邵东市人民政府",
        "城步苗族自治县人民政府",
    ):
        assert expected in names
    experts = session.exec(select(Unit.short_name).where(Unit.kind == "expert")).all()
    assert sorted(experts) == sorted(["人社专席", "医保专席", "法律专席", "政企通专席"])


def test_concurrent_numbering_on_postgresql(engine: Engine) -> None:
    """Many connections numbering at once on the real server: no duplicates, no gaps."""
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent numbering is a PostgreSQL property (SQLite serialises writers)")
    now = datetime(2030, 1, 2, 3, 0, tzinfo=UTC)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(25):
                with Session(engine) as db:
                    number = next_ticket_number(db, now=now, tz=SHANGHAI)
                    db.commit()
                with lock:
                    numbers.append(number)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert len(numbers) == 200
        assert sorted(numbers) == [f"20300102-{n:05d}" for n in range(1, 201)]
    finally:
        with Session(engine) as db:
            row = db.get(TicketCounter, now.astimezone(SHANGHAI).date())
            if row is not None:
                db.delete(row)
                db.commit()


def test_a_citizen_finds_a_ticket_by_code_and_phone_only(session: Session, clock: FixedClock) -> None:
    seeded(session, clock.now())
    ticket = make_ticket(session, clock.now(), caller_phone="13812345678")
    found = find_ticket_for_citizen(session, query_code=ticket.query_code.lower(), phone="138-1234-5678")
    assert found.id == ticket.id
    for code, phone in ((ticket.query_code, "13900000000"), ("WRONGCODE", "13812345678"), ("", "")):
        with pytest.raises(NotFound, match="查询码与电话号码对不上任何诉求"):
            find_ticket_for_citizen(session, query_code=code, phone=phone)

"""Deadlines from time-limit policies, red/yellow cards, and what is due now."""

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar
from sqlmodel import Session, col, select

from hotline.clock import ensure_utc
from hotline.enums import OPEN_STATUSES, Card, Channel, LimitUnit, Nature, Stage, TicketStatus, Urgency
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.sla.calendar import SHANGHAI, WorkCalendar, package_knows_year
from hotline.sla.models import HolidayOverride, TimeLimitPolicy, TimeLimitPolicyBase
from hotline.tickets.models import Supervision, Ticket

WD, MIN, HOUR = LimitUnit.WORKING_DAYS, LimitUnit.MINUTES, LimitUnit.HOURS

# Defaults from DESIGN.md (GB/T 33358-2016 and city practice); admins change them in the table.
DEFAULT_POLICIES: tuple[TimeLimitPolicyBase, ...] = (
    TimeLimitPolicyBase(
        name="特急：危及生命财产安全",
        priority=100,
        urgency=Urgency.CRITICAL,
        sign_amount=15,
        sign_unit=MIN,
        handle_amount=2,
        handle_unit=HOUR,
    ),
    TimeLimitPolicyBase(
        name="紧急：水电气暖",
        priority=90,
        urgency=Urgency.URGENT,
        utility=True,
        sign_amount=30,
        sign_unit=MIN,
        handle_amount=24,
        handle_unit=HOUR,
    ),
    TimeLimitPolicyBase(
        name="水电气暖",
        priority=80,
        utility=True,
        sign_amount=30,
        sign_unit=MIN,
        handle_amount=7,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="紧急",
        priority=70,
        urgency=Urgency.URGENT,
        sign_amount=2,
        sign_unit=HOUR,
        handle_amount=3,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="市长信箱咨询（简单）",
        priority=65,
        channel=Channel.MAILBOX,
        nature=Nature.CONSULTATION,
        sign_amount=2,
        sign_unit=HOUR,
        handle_amount=1,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="网站留言",
        priority=61,
        channel=Channel.WEB,
        sign_amount=2,
        sign_unit=HOUR,
        handle_amount=5,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="市长信箱",
        priority=60,
        channel=Channel.MAILBOX,
        sign_amount=2,
        sign_unit=HOUR,
        handle_amount=5,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="咨询",
        priority=50,
        nature=Nature.CONSULTATION,
        sign_amount=1,
        sign_unit=WD,
        handle_amount=1,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="疑难复杂",
        priority=40,
        complex=True,
        sign_amount=1,
        sign_unit=WD,
        handle_amount=15,
        handle_unit=WD,
    ),
    TimeLimitPolicyBase(
        name="一般",
        priority=0,
        sign_amount=1,
        sign_unit=WD,
        handle_amount=7,
        handle_unit=WD,
    ),
)

RETURN_LIMIT_WORKING_DAYS = 1
CALLBACK_LIMIT_WORKING_DAYS = 1


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What a time-limit policy is chosen by."""

    nature: Nature
    urgency: Urgency
    channel: Channel
    utility: bool
    complex: bool


def load_calendar(session: Session) -> WorkCalendar:
    """The working calendar with the admin's overrides."""
    overrides = {row.day: row.workday for row in session.exec(select(HolidayOverride))}
    return WorkCalendar(overrides)


HOLIDAY_NAME_MAX = 64  # HolidayOverride.name's column length
HOLIDAY_RANGE_MAX_DAYS = 31  # the longest official break is 9 days: a longer range is a typo
CALENDAR_YEARS = range(2000, 2101)  # refuses typos such as 2207 rather than storing them
CALENDAR_WARN_DAYS = 60  # warn this long before a year whose holidays are missing begins


def _check_day(day: date) -> date:
    # A datetime is a date too, but never equal to one: as a key it would match no day.
    if not isinstance(day, date) or isinstance(day, datetime):
        raise InvalidInput(f"日期格式不对：{day!r}，应为 YYYY-MM-DD")
    check_year(day.year)
    return day


def check_year(year: int) -> int:
    """``year`` if the calendar may hold it, else InvalidInput."""
    if year not in CALENDAR_YEARS:
        raise InvalidInput(f"年份 {year} 超出范围（{CALENDAR_YEARS[0]}–{CALENDAR_YEARS[-1]}）")
    return year


def _clean_name(name: str) -> str:
    """The holiday's name on one line, trimmed; empty is allowed."""
    if not isinstance(name, str):
        raise InvalidInput("节日名称应为文字")
    name = unicodedata.normalize("NFC", name).strip()
    if len(name) > HOLIDAY_NAME_MAX:
        raise InvalidInput(f"节日名称过长：{len(name)} 个字，最多 {HOLIDAY_NAME_MAX} 个字")
    if any(unicodedata.category(char) in {"Cc", "Cs"} for char in name):
        raise InvalidInput("节日名称含有控制字符或换行")
    return name


def set_holiday(
    session: Session, *, day: date, workday: bool, name: str = "", commit: bool = True
) -> HolidayOverride:
    """Record the admin's word on a day (a holiday, or a 调休 working Saturday).

    The one way an override is written; ``commit=False`` lets a caller write several at once.
    """
    day, name = _check_day(day), _clean_name(name)
    row = session.get(HolidayOverride, day) or HolidayOverride(day=day, workday=workday)
    row.workday, row.name = workday, name
    session.add(row)
    if commit:
        session.commit()
    return row


def set_holiday_range(
    session: Session, *, start: date, end: date, workday: bool, name: str, commit: bool = True
) -> list[HolidayOverride]:
    """Record every day from ``start`` to ``end`` inclusive alike, all or none."""
    start, end = _check_day(start), _check_day(end)
    if end < start:
        raise InvalidInput(f"结束日期 {end} 早于开始日期 {start}")
    span = (end - start).days + 1
    if span > HOLIDAY_RANGE_MAX_DAYS:
        raise InvalidInput(f"一次最多录入 {HOLIDAY_RANGE_MAX_DAYS} 天，{start} 至 {end} 有 {span} 天")
    rows = [
        set_holiday(session, day=start + timedelta(days=n), workday=workday, name=name, commit=False)
        for n in range(span)
    ]
    if commit:
        session.commit()
    return rows


def remove_holiday(session: Session, *, day: date) -> HolidayOverride:
    """Drop the admin's word on a day: the package (or Monday to Friday) decides again."""
    row = session.get(HolidayOverride, _check_day(day))
    if row is None:
        raise NotFound(f"{day} 没有录入节假日或调休")
    removed = HolidayOverride(day=row.day, workday=row.workday, name=row.name)  # readable after commit
    session.delete(row)
    session.commit()
    return removed


def list_holidays(session: Session, *, year: int) -> list[HolidayOverride]:
    """The overrides of a year, by day."""
    check_year(year)
    return list(
        session.exec(
            select(HolidayOverride)
            .where(
                col(HolidayOverride.day) >= date(year, 1, 1), col(HolidayOverride.day) <= date(year, 12, 31)
            )
            .order_by(col(HolidayOverride.day))
        )
    )


@dataclass(frozen=True, slots=True)
class YearStatus:
    """What the calendar knows of one year: the package's data and the admin's overrides."""

    year: int
    package_knows: bool
    days_off: int  # overrides that make a day a rest day
    workdays: int  # overrides that make a day a working day (调休)

    @property
    def trustworthy(self) -> bool:
        """Working-day limits follow the real holidays (else they run Monday to Friday).

        Make-up working days alone do not count: they mean the holidays are still missing.
        """
        return self.package_knows or self.days_off > 0


def year_status(session: Session, *, year: int) -> YearStatus:
    rows = list_holidays(session, year=year)
    days_off = sum(not row.workday for row in rows)
    return YearStatus(year, package_knows_year(year), days_off, len(rows) - days_off)


def holiday_warning(status: YearStatus, *, today: date, warn_days: int = CALENDAR_WARN_DAYS) -> str:
    """The warning staff see about a year without holidays, once it is near; "" when none is due."""
    starts = date(status.year, 1, 1)
    if status.trustworthy or (starts - today).days > warn_days or status.year < today.year:
        return ""
    tense = "正" if starts <= today else "将"
    return (
        f"{status.year}年法定节假日尚未录入，工单时限{tense}按周一至周五计算。"
        "请管理员在「系统管理 › 节假日」中录入。"
    )


@dataclass(frozen=True, slots=True)
class YearNotice:
    status: YearStatus
    warning: str


def calendar_notices(session: Session, *, now: datetime) -> list[YearNotice]:
    """This year's and next year's status, each with its warning (if any) for staff."""
    today = ensure_utc(now).astimezone(SHANGHAI).date()
    statuses = (year_status(session, year=year) for year in (today.year, today.year + 1))
    return [YearNotice(status, holiday_warning(status, today=today)) for status in statuses]


def active_policies(session: Session) -> list[TimeLimitPolicyBase]:
    rows = session.exec(
        select(TimeLimitPolicy)
        .where(col(TimeLimitPolicy.active).is_(True))
        .order_by(col(TimeLimitPolicy.priority).desc())
    ).all()
    return list(rows) if rows else sorted(DEFAULT_POLICIES, key=lambda p: -p.priority)


def choose_policy(policies: list[TimeLimitPolicyBase], facts: TicketFacts) -> TimeLimitPolicyBase:
    """The highest-priority policy whose every set criterion matches."""
    for policy in sorted(policies, key=lambda p: -p.priority):
        if (
            (policy.nature is None or policy.nature == facts.nature)
            and (policy.urgency is None or policy.urgency == facts.urgency)
            and (policy.channel is None or policy.channel == facts.channel)
            and (policy.utility is None or policy.utility == facts.utility)
            and (policy.complex is None or policy.complex == facts.complex)
        ):
            return policy
    raise LookupError("no time-limit policy matches; keep a catch-all policy with no criteria")


def yellow_at(start: datetime, due: datetime, ratio: float) -> datetime:
    """When a limit from ``start`` to ``due`` turns yellow (by default at 80 % of it)."""
    return start + (due - start) * ratio


def card(*, now: datetime, start: datetime, due: datetime, ratio: float) -> Card:
    if now > due:
        return Card.RED
    if now >= yellow_at(start, due, ratio):
        return Card.YELLOW
    return Card.NONE


@dataclass(frozen=True, slots=True)
class DueItem:
    ticket_id: int
    number: str
    stage: Stage
    due_at: datetime
    card: Card
    lead_unit_id: int | None


def due_now(
    session: Session, *, now: datetime, unit_id: int | None = None, limit: int = 500
) -> list[DueItem]:
    """Open work that is yellow or red right now, most overdue first."""
    items: list[DueItem] = []
    unit_filter = [Ticket.lead_unit_id == unit_id] if unit_id is not None else []
    stage_queries = (
        (Stage.SIGN, "sign_yellow_at", "sign_due_at", [TicketStatus.DISPATCHED]),
        (Stage.HANDLE, "handle_yellow_at", "handle_due_at", [TicketStatus.DISPATCHED, TicketStatus.HANDLING]),
        (Stage.CALLBACK, "callback_due_at", "callback_due_at", [TicketStatus.REPLIED]),
    )
    for stage, yellow_name, due_name, statuses in stage_queries:
        yellow_col, due_col = col(getattr(Ticket, yellow_name)), col(getattr(Ticket, due_name))
        rows = session.exec(
            select(Ticket)
            .where(col(Ticket.status).in_(statuses), yellow_col.is_not(None), yellow_col <= now, *unit_filter)
            .order_by(due_col)
            .limit(limit)
        )
        for ticket in rows:
            due: datetime = getattr(ticket, due_name)
            assert ticket.id is not None
            red = Card.RED if now > due else Card.YELLOW
            items.append(DueItem(ticket.id, ticket.number, stage, due, red, ticket.lead_unit_id))
    flags = session.exec(
        select(Supervision, Ticket)
        .join(Ticket, col(Ticket.id) == Supervision.ticket_id)
        .where(col(Supervision.resolved_at).is_(None), col(Supervision.due_at) <= now, *unit_filter)
        .where(col(Ticket.status).in_(OPEN_STATUSES))
        .limit(limit)
    )
    for flag, ticket in flags:
        assert ticket.id is not None
        items.append(
            DueItem(ticket.id, ticket.number, Stage.SUPERVISION, flag.due_at, Card.RED, ticket.lead_unit_id)
        )
    items.sort(key=lambda item: (item.card != Card.RED, item.due_at))
    return items


# --- the admin's edits of the time-limit policies (时限规则) -------------------------------------

POLICY_NAME_MAX = 64  # TimeLimitPolicy.name's column length
POLICY_AMOUNT_MAX = 10_000
CRITERIA = ("nature", "urgency", "channel", "utility", "complex")


def list_policies(session: Session) -> list[TimeLimitPolicy]:
    """Every stored policy, active or not, in the order they are tried (highest priority first)."""
    return list(
        session.exec(
            select(TimeLimitPolicy).order_by(col(TimeLimitPolicy.priority).desc(), col(TimeLimitPolicy.name))
        )
    )


def get_policy(session: Session, *, policy_id: int) -> TimeLimitPolicy:
    policy = session.get(TimeLimitPolicy, policy_id)
    if policy is None:
        raise NotFound(f"时限规则 {policy_id} 不存在")
    return policy


def _catch_all(policy: TimeLimitPolicyBase) -> bool:
    return policy.active and all(getattr(policy, name) is None for name in CRITERIA)


def _check_policy(session: Session, data: TimeLimitPolicyBase, policy_id: int | None) -> str:
    """The policy's cleaned name, or InvalidInput / Conflict in Chinese."""
    name = unicodedata.normalize("NFC", data.name).strip() if isinstance(data.name, str) else ""
    if not name:
        raise InvalidInput("规则名称不能为空")
    if len(name) > POLICY_NAME_MAX:
        raise InvalidInput(f"规则名称最多 {POLICY_NAME_MAX} 个字")
    for label, amount in (("签收时限", data.sign_amount), ("办理时限", data.handle_amount)):
        if not isinstance(amount, int) or not 1 <= amount <= POLICY_AMOUNT_MAX:
            raise InvalidInput(f"{label}应为 1 到 {POLICY_AMOUNT_MAX} 之间的整数")
    twin = session.exec(select(TimeLimitPolicy).where(TimeLimitPolicy.name == name)).first()
    if twin is not None and twin.id != policy_id:
        raise Conflict(f"已有名为「{name}」的时限规则")
    return name


def _keep_catch_all(session: Session, *, replacing: int | None, new: TimeLimitPolicyBase | None) -> None:
    """Refuse a change that leaves no active policy without criteria: tickets would match none."""
    rest = [p for p in list_policies(session) if p.id != replacing]
    if not any(_catch_all(p) for p in rest) and not (new is not None and _catch_all(new)):
        raise Conflict("至少要保留一条启用且不设任何条件的兜底规则，否则有的工单找不到时限")


def create_policy(session: Session, *, data: TimeLimitPolicyBase) -> TimeLimitPolicy:
    name = _check_policy(session, data, None)
    policy = TimeLimitPolicy.model_validate(data, update={"name": name})
    session.add(policy)
    session.commit()
    session.refresh(policy)
    return policy


def update_policy(session: Session, *, policy_id: int, data: TimeLimitPolicyBase) -> TimeLimitPolicy:
    """Replace every field of a policy (deactivate it with ``active=False``)."""
    policy = get_policy(session, policy_id=policy_id)
    name = _check_policy(session, data, policy_id)
    _keep_catch_all(session, replacing=policy_id, new=data)
    policy.sqlmodel_update(data.model_dump() | {"name": name})
    session.add(policy)
    session.commit()
    session.refresh(policy)
    return policy


def delete_policy(session: Session, *, policy_id: int) -> TimeLimitPolicy:
    policy = get_policy(session, policy_id=policy_id)
    _keep_catch_all(session, replacing=policy_id, new=None)
    removed = TimeLimitPolicy.model_validate(policy.model_dump())  # readable after commit
    session.delete(policy)
    session.commit()
    return removed


# The package's names of its holidays, in Chinese for the admin's page.
PACKAGE_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True, slots=True)
class PackageDay:
    """A day chinese-calendar itself makes a holiday or a make-up working day."""

    day: date
    workday: bool
    name: str


def package_days(year: int) -> list[PackageDay]:
    """The official holidays and 调休 workdays the package knows in ``year`` (none for a later year)."""
    check_year(year)
    found = [
        PackageDay(day, False, PACKAGE_HOLIDAY_NAMES.get(name, name))
        for day, name in chinese_calendar.holidays.items()
        if day.year == year
    ] + [
        PackageDay(day, True, PACKAGE_HOLIDAY_NAMES.get(name, name) + "调休")
        for day, name in chinese_calendar.workdays.items()
        if day.year == year
    ]
    return sorted(found, key=lambda d: d.day)

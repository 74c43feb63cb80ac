"""A scripted day at the hotline, run through the core's services: `hotline day`.

It shows a ticket's whole life (call → draft → dispatched → handling → replied →
callback → closed) and the side roads: an answer on the spot, an emergency turned away,
a duplicate merged, a misrouted ticket returned and re-dispatched, an extension, a
supervision flag and the callbacks of merged callers.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session, select

from hotline.calls.events import CallEvent
from hotline.calls.events import CallEventKind as K
from hotline.calls.models import Call
from hotline.calls.service import CallPolicy, get_call, handle_call_event
from hotline.categories.service import get_category_by_code
from hotline.clock import FixedClock
from hotline.enums import Nature, RejectReason, Satisfaction, Urgency
from hotline.knowledge.service import search_articles
from hotline.metrics.service import period_metrics, unit_ranking
from hotline.ports import NullPublisher
from hotline.seed.data import SEATS
from hotline.seed.service import seed
from hotline.sla.calendar import SHANGHAI
from hotline.sla.service import due_now, load_calendar
from hotline.tickets import service as tickets
from hotline.tickets.models import Ticket, TicketCreate
from hotline.timeline.service import list_events
from hotline.units.service import get_unit_by_code
from hotline.users.models import Actor, User
from hotline.users.service import actor_for

Say = Callable[[str], None]
QUEUE = "12345"
SEAT_1001 = SEATS[0][1]
# The day's worklist keeps only the callers who waited: a 3 s hang-up is shown as a short abandon.
DAY_CALLS = CallPolicy(worklist_short_abandons=False)


def run_day(session: Session, *, start: datetime, say: Say) -> list[Ticket]:
    """Play the day from ``start`` (a working-day morning); returns the tickets it made."""
    clock = FixedClock(start)
    seed(session, now=clock.now(), demo=True)  # the day's cast are the demo accounts
    cast = {u.username: actor_for(u) for u in session.exec(select(User))}
    operator, dispatcher, supervisor = cast["operator1"], cast["dispatcher"], cast["supervisor"]
    urban, housing, hrss = (_unit_actor(session, code) for code in ("urban", "housing", "hrss"))

    def at(minutes: int) -> datetime:
        clock.set(start + timedelta(minutes=minutes))
        return clock.now()

    def log(text: str) -> None:
        say(f"{clock.now().astimezone(SHANGHAI):%m-%d %H:%M}  {text}")

    # 1. A complaint by phone, answered in 9 s.
    call = _answered_call(
        session, linkedid="day.1", number="13800138000", name="张三", joined=at(0), wait_s=9
    )
    log(f"call {call.linkedid} from 张三 answered at seat 1001 after {call.wait_s:.0f} s")
    noise = tickets.create_ticket(
        session,
        data=TicketCreate(
            caller_name="张三",
            caller_phone="13800138000",
            who="隔壁工地施工方",
            when="连续一周，每晚十点以后",
            address="双清区龙须塘街道宝庆路口工地",
            title="工地夜间施工噪音扰民",
            content="工地每天晚上十点后还在打桩，噪音很大，家里老人小孩睡不着，希望有关部门尽快制止。",
            nature=Nature.COMPLAINT,
            district="双清区",
            street="龙须塘街道",
            category_id=get_category_by_code(session, code="env.noise").id,
            call_linkedid=call.linkedid,
            suggested_unit_code="urban",
        ),
        actor=operator,
        now=at(3),
    )
    log(f"ticket {noise.number} drafted from the call: {noise.title}")
    tickets.dispatch(session, ticket_id=_id(noise), unit_code="urban", actor=operator, now=at(4))
    log(
        f"dispatched to 市城市管理局; sign by {_local(noise.sign_due_at)}, "
        f"handle by {_local(noise.handle_due_at)}"
    )

    # 2. Two callers give up in the queue: one at once (short abandon), one after 40 s.
    _abandoned_call(session, linkedid="day.2", number="13900139000", joined=at(9), wait_s=3)
    _abandoned_call(session, linkedid="day.3", number="13700137000", joined=at(10), wait_s=40)
    log("two callers hung up while waiting; the one who waited 40 s is on the call-back worklist")

    # 3. A question answered on the spot from the knowledge base.
    _answered_call(session, linkedid="day.4", number="13600136000", name="王五", joined=at(35), wait_s=5)
    question = tickets.create_ticket(
        session,
        data=TicketCreate(
            caller_name="王五",
            caller_phone="13600136000",
            title="租房提取住房公积金怎么办理",
            content="想问一下租房可以提取公积金吗，需要带什么材料。",
            nature=Nature.CONSULTATION,
        ),
        actor=operator,
        now=at(36),
    )
    [article, *_] = search_articles(
        session, query="公积金 提取", today=clock.now().astimezone(SHANGHAI).date()
    )
    tickets.close_on_spot(
        session,
        ticket_id=_id(question),
        actor=operator,
        now=at(38),
        answer=article.body,
        satisfaction=Satisfaction.SATISFIED,
        article_id=article.id,
    )
    log(f"ticket {question.number} answered on the spot from 「{article.title}」 and closed")

    # 4. An emergency is not a ticket: transferred to 119 and recorded as such.
    _answered_call(session, linkedid="day.5", number="13500135000", name="赵六", joined=at(60), wait_s=4)
    gas = tickets.create_ticket(
        session,
        data=TicketCreate(
            caller_phone="13500135000",
            title="楼道里很大煤气味",
            content="楼道里突然很大的煤气味，好像哪家漏气了。",
            urgency=Urgency.CRITICAL,
            nature=Nature.HELP,
            district="大祥区",
        ),
        actor=operator,
        now=at(61),
    )
    tickets.reject(
        session, ticket_id=_id(gas), actor=operator, now=at(62), reason=RejectReason.EMERGENCY, note="已转119"
    )
    log(f"ticket {gas.number}: gas smell, transferred to 119 at once, not kept as a ticket")

    # 5. A neighbour reports the same site: merged into the master case.
    _answered_call(session, linkedid="day.6", number="13300133000", name="孙七", joined=at(90), wait_s=12)
    same = tickets.create_ticket(
        session,
        data=TicketCreate(
            caller_name="孙七",
            caller_phone="13300133000",
            address="双清区宝庆路口工地旁",
            title="晚上工地打桩太吵",
            content="宝庆路口的工地晚上一直打桩，吵得睡不着。",
            nature=Nature.COMPLAINT,
            district="双清区",
        ),
        actor=operator,
        now=at(92),
    )
    tickets.merge(session, ticket_id=_id(same), master_id=_id(noise), actor=dispatcher, now=at(95))
    log(f"ticket {same.number} merged into master case {noise.number}")

    # 6. The unit signs and calls the citizen.
    tickets.sign(session, ticket_id=_id(noise), actor=urban, now=at(105))
    tickets.record_contact(session, ticket_id=_id(noise), actor=urban, now=at(140), note="已电话联系张三")
    log(f"市城市管理局 signed {noise.number} and called the citizen")

    # 7. Unpaid wages sent to the wrong unit: returned, re-dispatched, extended.
    wages = tickets.create_ticket(
        session,
        data=TicketCreate(
            caller_name="周八",
            caller_phone="13200132000",
            who="大祥区某装修公司",
            address="大祥区城西街道",
            title="装修公司拖欠三个月工资",
            content="在装修公司干了三个月，老板一直拖着不发工资，一共一万二千元。",
            nature=Nature.COMPLAINT,
            district="大祥区",
            complex=True,
        ),
        actor=operator,
        now=at(120),
    )
    tickets.dispatch(session, ticket_id=_id(wages), unit_code="housing", actor=operator, now=at(121))
    tickets.return_ticket(
        session,
        ticket_id=_id(wages),
        actor=housing,
        now=at(150),
        reason="欠薪属劳动保障监察职责",
        suggested_unit_code="hrss",
    )
    log(f"ticket {wages.number} returned by 住建局: 欠薪属劳动保障监察职责")
    tickets.redispatch(session, ticket_id=_id(wages), actor=dispatcher, now=at(160), unit_code="hrss")
    tickets.sign(session, ticket_id=_id(wages), actor=hrss, now=at(170))
    request = tickets.request_extension(
        session, ticket_id=_id(wages), actor=hrss, now=at(300), working_days=5, reason="需调取用工记录"
    )
    tickets.decide_extension(
        session, request_id=_id_of(request.id), approve=True, actor=dispatcher, now=at(320)
    )
    log(
        "re-dispatched to 人社局, signed, extension of 5 working days approved: "
        f"due {_local(wages.handle_due_at)}"
    )
    tickets.supervise(
        session,
        ticket_id=_id(wages),
        actor=supervisor,
        now=at(330),
        note="涉及农民工工资，请优先办理",
        due_at=clock.now() + timedelta(days=3),
    )
    log(f"supervisor flagged {wages.number} for supervision (督办)")

    # 8. The unit replies; the next working day the citizens are called back.
    tickets.reply(
        session,
        ticket_id=_id(noise),
        actor=urban,
        now=at(450),
        text="已责令施工方夜间22时后停止打桩作业，并安排夜间巡查。",
    )
    log(f"市城市管理局 replied on {noise.number}")
    next_day = load_calendar(session).next_workday(start.astimezone(SHANGHAI).date())
    clock.set(datetime(next_day.year, next_day.month, next_day.day, 9, 30, tzinfo=SHANGHAI))
    tickets.record_callback(
        session,
        ticket_id=_id(noise),
        actor=operator,
        now=clock.now(),
        reached=True,
        satisfaction=Satisfaction.SATISFIED,
        solved=True,
    )
    log(f"callback: 张三 satisfied, problem solved; {noise.number} closed")
    for merged in tickets.callbacks_due(session, now=clock.now()):
        tickets.record_callback(
            session,
            ticket_id=_id(merged),
            actor=operator,
            now=clock.now() + timedelta(minutes=5),
            reached=True,
            satisfaction=Satisfaction.BASICALLY_SATISFIED,
            solved=True,
        )
        log(f"callback of merged caller on {merged.number}: basically satisfied")

    say("")
    say(f"timeline of {noise.number}:")
    for event in list_events(session, ticket_id=_id(noise)):
        moved = f"{event.from_status or '-'} → {event.to_status}"
        say(
            f"  {event.at.astimezone(SHANGHAI):%m-%d %H:%M}  {event.action:<20} {moved:<24} "
            f"{event.actor_name}"
        )
    for item in due_now(session, now=clock.now()):
        say(f"due now: {item.card} {item.stage} {item.number}")
    _say_figures(session, start=start, end=clock.now() + timedelta(hours=1), say=say)
    return [noise, question, gas, same, wages]


def _say_figures(session: Session, *, start: datetime, end: datetime, say: Say) -> None:
    figures = period_metrics(session, start=start, end=end)
    say("")
    say(f"figures {_local(start)} – {_local(end)} (DESIGN.md's definitions):")
    named = (
        ("接通率 answer rate", figures.calls.answer_rate),
        ("15秒接通率 service level", figures.calls.service_level),
        ("按时办结率 on-time", figures.rates.on_time),
        ("回访率 callback", figures.rates.callback),
        ("满意率 satisfaction", figures.rates.satisfaction),
        ("响应率 response", figures.rates.response),
    )
    for name, share in named:
        shown = "-" if share.value is None else f"{share.value:.1%}"
        say(f"  {name:<26} {shown:>7}  ({share.numerator}/{share.denominator})")
    for row in unit_ranking(session, start=start, end=end):
        say(f"  rank {row.rank}: {row.name} (volume {row.volume}, score {row.score:.2f})")


def _unit_actor(session: Session, code: str) -> Actor:
    unit_id = get_unit_by_code(session, code=code).id
    return actor_for(session.exec(select(User).where(User.unit_id == unit_id)).one())


def _answered_call(
    session: Session, *, linkedid: str, number: str, name: str, joined: datetime, wait_s: int
) -> Call:
    """A call answered at seat 1001 after ``wait_s``, talked 4 minutes: through the telephony vocabulary."""
    answered = joined + timedelta(seconds=wait_s)
    seat = {"linkedid": linkedid, "queue": QUEUE, "interface": SEAT_1001}
    _play(
        session,
        CallEvent(kind=K.QUEUED, at=joined, caller_number=number, caller_name=name, **seat),
        CallEvent(kind=K.SEAT_RINGING, at=answered - timedelta(seconds=2), **seat),
        CallEvent(kind=K.ANSWERED, at=answered, **seat),
        CallEvent(kind=K.COMPLETED, at=answered + timedelta(minutes=4), talk_s=240, reason="agent", **seat),
    )
    return get_call(session, linkedid=linkedid)


def _abandoned_call(session: Session, *, linkedid: str, number: str, joined: datetime, wait_s: int) -> Call:
    """A caller who hangs up after ``wait_s`` in the queue."""
    _play(
        session,
        CallEvent(kind=K.QUEUED, at=joined, linkedid=linkedid, queue=QUEUE, caller_number=number),
        CallEvent(kind=K.ABANDONED, at=joined + timedelta(seconds=wait_s), linkedid=linkedid, hold_s=wait_s),
    )
    return get_call(session, linkedid=linkedid)


def _play(session: Session, *events: CallEvent) -> None:
    publisher = NullPublisher()
    for event in events:
        handle_call_event(session, event=event, publisher=publisher, policy=DAY_CALLS)


def _id(ticket: Ticket) -> int:
    assert ticket.id is not None
    return ticket.id


def _id_of(value: int | None) -> int:
    assert value is not None
    return value


def _local(value: datetime | None) -> str:
    return "-" if value is None else f"{value.astimezone(SHANGHAI):%m-%d %H:%M}"

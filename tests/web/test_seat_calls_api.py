"""The seat's call buttons and the admin's seat routes, against a phone that records what it is asked.

``RecordingPhone`` fills the ``CallControl`` port the way Asterisk or the simulator would, but
only writes down each command (and, for a dial, whether the call was already in the database);
call events are fed to the core directly, as the bridge would.
"""

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel import select

from hotline.calls.events import CallEvent, CallEventKind
from hotline.calls.models import Call, Seat
from hotline.calls.service import handle_call_event
from hotline.ports import CallControl, TransferStep
from hotline.users.models import User
from tests.web.conftest import TestClient, World, create, post_ok, ring_and_answer

K = CallEventKind
CITIZEN = "13900139000"
_ids = itertools.count(1)


@dataclass
class RecordingPhone:
    """A CallControl that does nothing but remember; ``refuse`` makes a command raise."""

    world: World
    asked: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refuse: dict[str, BaseException] = field(default_factory=dict)
    dialled_rows: list[tuple[str, str, int | None, str] | None] = field(default_factory=list)

    def _do(self, command: str, **args: Any) -> None:
        self.asked.append((command, args))
        if command in self.refuse:
            raise self.refuse[command]

    def new_call_id(self) -> str:
        return f"cb-test-{next(_ids)}"

    async def click_to_call(
        self, *, seat_interface: str, number: str, call_id: str, caller_id: str = "", account: str = ""
    ) -> str:
        with self.world.session() as session:  # what another connection (the bridge) sees now
            row = session.exec(select(Call).where(Call.linkedid == call_id)).first()
        self.dialled_rows.append(
            (row.outcome.value, row.direction.value, row.ticket_id, row.caller_number) if row else None
        )
        self._do(
            "click_to_call", seat_interface=seat_interface, number=number, call_id=call_id, account=account
        )
        return call_id

    async def answer(self, *, seat_interface: str) -> None:
        self._do("answer", seat_interface=seat_interface)

    async def hangup(self, *, linkedid: str) -> None:
        self._do("hangup", linkedid=linkedid)

    async def transfer(self, *, linkedid: str, target: str, attended: bool = False) -> None:
        self._do("transfer", linkedid=linkedid, target=target, attended=attended)

    async def finish_transfer(self, *, linkedid: str, step: TransferStep) -> None:
        self._do("finish_transfer", linkedid=linkedid, step=step)

    async def pause(self, *, seat_interface: str, paused: bool, reason: str = "") -> None:
        self._do("pause", seat_interface=seat_interface, paused=paused, reason=reason)

    async def queue_login(self, *, seat_interface: str, member_name: str = "") -> None:
        self._do("queue_login", seat_interface=seat_interface, member_name=member_name)

    async def queue_logoff(self, *, seat_interface: str) -> None:
        self._do("queue_logoff", seat_interface=seat_interface)


def with_phone(world: World) -> RecordingPhone:
    phone = RecordingPhone(world)
    control: CallControl = phone  # checked against the port by mypy
    world.app.state.services.call_control = control
    return phone


def seat_event(world: World, kind: CallEventKind, code: str, **fields: Any) -> None:
    event = CallEvent(kind=kind, at=world.clock.now(), interface=f"Local/{code}@agents", **fields)
    with world.session() as session:
        handle_call_event(session, event=event, publisher=world.app.state.services.hub)


def ring(world: World, *, linkedid: str, code: str) -> None:
    """A caller queues and is offered to the seat, which rings."""
    who = {"linkedid": linkedid, "caller_number": "13800138000", "queue": "12345"}
    with world.session() as session:
        for kind, interface in ((K.QUEUED, ""), (K.SEAT_RINGING, f"Local/{code}@agents")):
            event = CallEvent(kind=kind, at=world.clock.now(), interface=interface, **who)
            handle_call_event(session, event=event, publisher=world.app.state.services.hub)


def call_row(world: World, linkedid: str) -> Call:
    with world.session() as session:
        return session.exec(select(Call).where(Call.linkedid == linkedid)).one()


def seat_row(world: World, code: str) -> Seat:
    with world.session() as session:
        return session.exec(select(Seat).where(Seat.code == code)).one()


def call_count(world: World) -> int:
    with world.session() as session:
        return len(session.exec(select(Call)).all())


def refused(client: TestClient, path: str, body: dict[str, Any], status: int) -> str:
    response = client.post(path, json=body)
    assert response.status_code == status, f"{path}: {response.status_code} {response.text}"
    detail: str = response.json()["detail"]
    return detail


# -- dialling -------------------------------------------------------------------------------------


def test_dial_records_the_callback_with_its_ticket_before_the_phone_dials(any_world: World) -> None:
    phone = with_phone(any_world)
    seat_event(any_world, K.SEAT_ADDED, "1001")
    operator = any_world.login("operator1")
    ticket = create(operator, caller_phone=CITIZEN)
    placed = post_ok(operator, "/api/calls/dial", {"number": CITIZEN, "ticket_id": ticket["id"]})
    linkedid = placed["linkedid"]
    assert placed == {"ok": True, "detail": f"正在呼叫 {CITIZEN}：请先接起话机", "linkedid": linkedid}
    assert phone.asked == [
        (
            "click_to_call",
            {
                "seat_interface": "Local/1001@agents",
                "number": CITIZEN,
                "call_id": linkedid,
                "account": f"T{ticket['id']}",
            },
        )
    ]
    # When the phone system was asked, the record was already there for its events to find.
    assert phone.dialled_rows == [("dialling", "outbound", ticket["id"], CITIZEN)]
    mine = operator.get("/api/seats/me").json()
    assert (mine["state"], mine["call"]["linkedid"]) == ("ringing", linkedid)
    assert (mine["call"]["direction"], mine["call"]["ticket_id"], mine["call"]["outcome_label"]) == (
        "outbound",
        ticket["id"],
        "外呼中",
    )
    # The citizen picks up, then hangs up: an answered callback, never a queue call.
    with any_world.session() as session:
        for kind in (K.ANSWERED, K.HUNG_UP):
            event = CallEvent(
                kind=kind, at=any_world.clock.now(), linkedid=linkedid, interface="Local/1001@agents"
            )
            handle_call_event(session, event=event, publisher=any_world.app.state.services.hub)
    done = call_row(any_world, linkedid)
    assert (done.outcome.value, done.joined_at, done.ticket_id) == ("answered", None, ticket["id"])


def test_dial_without_a_ticket_sends_no_account(world: World) -> None:
    phone = with_phone(world)
    operator = world.login("operator1")
    post_ok(operator, "/api/calls/dial", {"number": "+8613900139000"})
    ((command, args),) = phone.asked
    assert (command, args["account"], args["number"]) == ("click_to_call", "", "+8613900139000")
    assert phone.dialled_rows == [("dialling", "outbound", None, "+8613900139000")]


@pytest.mark.parametrize(
    ("refusal", "status", "detail"),
    [
        (LookupError("坐席话机 Local/1001@agents 未注册"), 409, "坐席话机 Local/1001@agents 未注册"),
        (ValueError("号码 139 无法外呼"), 422, "号码 139 无法外呼"),
        (ConnectionError("AMI 未连接"), 503, "电话系统暂时无法连接，请稍后重试或在话机上操作（AMI 未连接）"),
        (TimeoutError("Originate"), 503, "电话系统暂时无法连接"),
    ],
)
def test_a_dial_the_phone_refuses_is_closed_and_said_in_chinese(
    any_world: World, refusal: BaseException, status: int, detail: str
) -> None:
    phone = with_phone(any_world)
    phone.refuse["click_to_call"] = refusal
    seat_event(any_world, K.SEAT_ADDED, "1001")
    operator = any_world.login("operator1")
    ticket = create(operator, caller_phone=CITIZEN)
    said = refused(operator, "/api/calls/dial", {"number": CITIZEN, "ticket_id": ticket["id"]}, status)
    assert detail in said
    call_id = phone.asked[0][1]["call_id"]
    call = call_row(any_world, call_id)
    assert (call.outcome.value, call.hangup_reason, call.ticket_id) == (
        "no_answer",
        "originate_failed",
        ticket["id"],
    )
    assert call.ended_at is not None and call.worklist.value == "none"
    seat = seat_row(any_world, "1001")
    assert (seat.state.value, seat.current_linkedid) == ("ready", "")  # free to try again
    phone.refuse.clear()
    assert post_ok(operator, "/api/calls/dial", {"number": CITIZEN})["ok"]
    assert len(phone.asked) == 2


def test_dial_while_on_a_call_is_refused_before_the_phone_is_asked(world: World) -> None:
    phone = with_phone(world)
    operator = world.login("operator1")
    ring(world, linkedid="ringing-1001", code="1001")
    before = call_count(world)
    assert refused(operator, "/api/calls/dial", {"number": CITIZEN}, 409) == "您的坐席正在通话，挂断后再外呼"
    ring_and_answer(world, linkedid="talking-1001", seat="1001")
    assert refused(operator, "/api/calls/dial", {"number": CITIZEN}, 409) == "您的坐席正在通话，挂断后再外呼"
    assert phone.asked == [] and call_count(world) == before + 1  # only the answered queue call


@pytest.mark.parametrize("number", ["110abc", "12", "1380013800 0", "tel:13800138000"])
def test_dial_refuses_a_number_it_cannot_dial(world: World, number: str) -> None:
    phone = with_phone(world)
    operator = world.login("operator1")
    response = operator.post("/api/calls/dial", json={"number": number})
    assert response.status_code == 422, response.text
    if len(number) >= 3:
        assert response.json()["detail"] == f"号码 {number!r} 无法拨打"
    assert phone.asked == [] and call_count(world) == 0


def test_dial_about_a_ticket_that_does_not_exist_records_nothing(world: World) -> None:
    phone = with_phone(world)
    operator = world.login("operator1")
    response = operator.post("/api/calls/dial", json={"number": CITIZEN, "ticket_id": 999_999})
    assert response.status_code == 404, response.text
    assert phone.asked == [] and call_count(world) == 0


def test_only_an_operator_with_a_seat_dials(world: World) -> None:
    phone = with_phone(world)
    for username in ("dispatcher", "supervisor", "admin", "unit_urban"):
        denied = world.login(username).post("/api/calls/dial", json={"number": CITIZEN})
        assert denied.status_code == 403, username
    admin = world.login("admin")
    assert admin.put("/api/seats/1001/operator", json={"username": None}).status_code == 200
    seatless = refused(world.login("operator1"), "/api/calls/dial", {"number": CITIZEN}, 404)
    assert seatless == "您还没有分配坐席，请联系管理员"
    assert phone.asked == [] and call_count(world) == 0


# -- the call on the seat -------------------------------------------------------------------------


def test_hangup_and_transfer_reach_only_the_call_on_the_operators_own_seat(world: World) -> None:
    phone = with_phone(world)
    ring_and_answer(world, linkedid="theirs", seat="1002")  # operator2's call
    mine = world.login("operator1")
    assert refused(mine, "/api/calls/hangup", {}, 409) == "您的坐席当前没有通话"
    for path, body in (
        ("/api/calls/hangup", {"linkedid": "theirs"}),
        ("/api/calls/transfer", {"linkedid": "theirs", "target": "110"}),
        ("/api/calls/transfer", {"linkedid": "theirs", "target": "110", "mode": "attended"}),
        ("/api/calls/transfer/step", {"linkedid": "theirs", "step": "complete"}),
        ("/api/calls/hangup", {"linkedid": "no-such-call"}),
    ):
        assert refused(mine, path, body, 409) == f"通话 {body['linkedid']} 不在您的坐席上", path
    assert phone.asked == []
    assert call_row(world, "theirs").outcome.value == "talking"
    # Its own operator can.
    theirs = world.login("operator2")
    blind = post_ok(theirs, "/api/calls/transfer", {"target": "110"})
    assert blind == {"ok": True, "detail": "已转接紧急电话 110", "linkedid": "theirs"}
    attended = post_ok(
        theirs, "/api/calls/transfer", {"linkedid": "theirs", "target": "2001", "mode": "attended"}
    )
    assert attended["detail"] == "正在咨询专线 2001，来电人保持等待"
    step = post_ok(theirs, "/api/calls/transfer/step", {"step": "threeway"})
    assert step["detail"] == "三方通话中"
    assert post_ok(theirs, "/api/calls/hangup", {})["detail"] == "已挂断"
    assert phone.asked == [
        ("transfer", {"linkedid": "theirs", "target": "110", "attended": False}),
        ("transfer", {"linkedid": "theirs", "target": "2001", "attended": True}),
        ("finish_transfer", {"linkedid": "theirs", "step": TransferStep.THREEWAY}),
        ("hangup", {"linkedid": "theirs"}),
    ]


def test_a_call_that_ended_is_no_longer_the_seats_call(world: World) -> None:
    phone = with_phone(world)
    ring_and_answer(world, linkedid="over", seat="1001")
    event = CallEvent(
        kind=K.COMPLETED, at=world.clock.now(), linkedid="over", interface="Local/1001@agents", talk_s=30
    )
    with world.session() as session:
        handle_call_event(session, event=event, publisher=world.app.state.services.hub)
    assert seat_row(world, "1001").state.value == "wrap_up"  # after-call work: the call is over
    operator = world.login("operator1")
    assert refused(operator, "/api/calls/hangup", {}, 409) == "您的坐席当前没有通话"
    assert refused(operator, "/api/calls/transfer", {"target": "119"}, 409) == "您的坐席当前没有通话"
    assert refused(operator, "/api/calls/hangup", {"linkedid": "over"}, 409) == "通话 over 不在您的坐席上"
    assert phone.asked == []


def test_the_phones_refusal_of_a_hangup_or_transfer_is_the_operators_message(world: World) -> None:
    phone = with_phone(world)
    ring_and_answer(world, linkedid="live", seat="1001")
    operator = world.login("operator1")
    phone.refuse["hangup"] = LookupError("通话 live 已结束")
    assert refused(operator, "/api/calls/hangup", {}, 409) == "通话 live 已结束"
    phone.refuse["transfer"] = ValueError("转接目标 9999 不存在")
    assert refused(operator, "/api/calls/transfer", {"target": "9999"}, 422) == "转接目标 9999 不存在"
    phone.refuse["finish_transfer"] = ConnectionError("lost")
    assert "电话系统暂时无法连接" in refused(operator, "/api/calls/transfer/step", {"step": "cancel"}, 503)


def test_answer_only_while_the_seat_rings(world: World) -> None:
    phone = with_phone(world)
    seat_event(world, K.SEAT_ADDED, "1001")
    operator = world.login("operator1")
    assert refused(operator, "/api/calls/answer", {}, 409) == "您的坐席没有振铃中的来电"
    ring(world, linkedid="incoming", code="1001")
    answered = post_ok(operator, "/api/calls/answer")
    assert answered == {"ok": True, "detail": "已接听", "linkedid": "incoming"}
    assert phone.asked == [("answer", {"seat_interface": "Local/1001@agents"})]
    ring_and_answer(world, linkedid="incoming", seat="1001")  # the phone system reports the answer
    assert refused(operator, "/api/calls/answer", {}, 409) == "您的坐席没有振铃中的来电"
    assert len(phone.asked) == 1
    ring(world, linkedid="incoming-2", code="1002")
    phone.refuse["answer"] = ValueError("该话机不支持远程接听，请拿起话机")
    assert (
        refused(world.login("operator2"), "/api/calls/answer", {}, 422) == "该话机不支持远程接听，请拿起话机"
    )


def test_queue_sign_in_and_out(world: World) -> None:
    phone = with_phone(world)
    operator = world.login("operator1")
    assert post_ok(operator, "/api/seats/me/login")["code"] == "1001"
    assert post_ok(operator, "/api/seats/me/logoff")["code"] == "1001"
    assert phone.asked == [
        ("queue_login", {"seat_interface": "Local/1001@agents", "member_name": "话务员 李艳"}),
        ("queue_logoff", {"seat_interface": "Local/1001@agents"}),
    ]
    ring_and_answer(world, linkedid="busy", seat="1001")
    assert refused(operator, "/api/seats/me/logoff", {}, 409) == "通话中不能签出，请先结束通话"
    assert len(phone.asked) == 2


# -- the admin's seat routes ----------------------------------------------------------------------


def test_seat_set_up_and_assignment_are_for_the_admin_only(world: World) -> None:
    for username in ("operator1", "dispatcher", "supervisor", "unit_urban"):
        client = world.login(username)
        added = client.post("/api/seats", json={"code": "2001", "interface": "PJSIP/2001"})
        assert added.status_code == 403, username
        moved = client.put("/api/seats/1001/operator", json={"username": "operator2"})
        assert moved.status_code == 403, username
    assert seat_row(world, "1001").user_id is not None
    with world.session() as session:
        assert session.exec(select(Seat).where(Seat.code == "2001")).first() is None


def test_the_admin_sets_up_a_seat_and_says_who_works_there(world: World) -> None:
    admin = world.login("admin")
    added = admin.post("/api/seats", json={"code": "2001", "interface": "PJSIP/2001", "name": "专家坐席"})
    assert added.status_code == 201, added.text
    view = added.json()
    assert (
        view["code"],
        view["name"],
        view["state"],
        view["state_label"],
        view["operator"],
        view["call"],
    ) == (
        "2001",
        "专家坐席",
        "offline",
        "离线",
        "",
        None,
    )
    moved = admin.put("/api/seats/2001/operator", json={"username": "operator3"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["operator"] == "话务员 刘洋"
    operator3 = world.login("operator3")
    assert operator3.get("/api/seats/me").json()["code"] == "2001"
    board = {s["code"]: s["operator"] for s in admin.get("/api/seats").json()}
    assert (board["2001"], board["1003"]) == ("话务员 刘洋", "")  # one seat per operator
    freed = admin.put("/api/seats/2001/operator", json={"username": None})
    assert (freed.status_code, freed.json()["operator"]) == (200, "")
    gone = operator3.get("/api/seats/me")
    assert (gone.status_code, gone.json()["detail"]) == (404, "您还没有分配坐席，请联系管理员")


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"code": "2001", "interface": "2001"}, 422, "话机接口 '2001' 无效，应如 PJSIP/1001"),
        ({"code": "2001", "interface": "PJSIP/20 01"}, 422, "无效"),
        ({"code": "20/01", "interface": "PJSIP/2001"}, 422, "坐席编号"),
        ({"code": "1001", "interface": "PJSIP/2001"}, 409, "坐席 1001 或接口 PJSIP/2001 已存在"),
        ({"code": "2001", "interface": "Local/1001@agents"}, 409, "已存在"),
    ],
)
def test_seat_set_up_is_validated(world: World, body: dict[str, str], status: int, detail: str) -> None:
    response = world.login("admin").post("/api/seats", json=body)
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]
    with world.session() as session:
        assert len(session.exec(select(Seat)).all()) == 3  # the seeded three, nothing added


def test_seat_set_up_needs_its_fields(world: World) -> None:
    admin = world.login("admin")
    for body in ({"code": "2001"}, {"interface": "PJSIP/2001"}, {"code": "", "interface": "PJSIP/2001"}):
        assert admin.post("/api/seats", json=body).status_code == 422, body


@pytest.mark.parametrize(
    ("code", "username", "status", "detail"),
    [
        ("9999", "operator1", 404, "没有坐席 9999"),
        ("1001", "nobody", 404, "没有用户名为「nobody」的账号"),
        ("1001", "dispatcher", 422, "只有话务员可以分配坐席，dispatcher 不是话务员"),
        ("1001", "unit_urban", 422, "只有话务员可以分配坐席，unit_urban 不是话务员"),
    ],
)
def test_assignment_is_validated(world: World, code: str, username: str, status: int, detail: str) -> None:
    response = world.login("admin").put(f"/api/seats/{code}/operator", json={"username": username})
    assert response.status_code == status, response.text
    assert response.json()["detail"] == detail
    assert seat_row(world, "1001").user_id is not None  # operator1 still sits there


def test_a_deactivated_operator_cannot_be_given_a_seat(world: World) -> None:
    admin = world.login("admin")
    with world.session() as session:
        user = session.exec(select(User).where(User.username == "operator2")).one()
        user.active = False
        session.add(user)
        session.commit()
    response = admin.put("/api/seats/1001/operator", json={"username": "operator2"})
    assert (response.status_code, response.json()["detail"]) == (422, "账号 operator2 已停用")

"""个人信息: consent taken and changed (ledgered, enforced), a caller's data looked up, exported, erased."""

import json

import pytest
from sqlmodel import select

from hotline.calls.models import Call
from hotline.errors import Conflict
from hotline.privacy.service import check_may_call_back
from hotline.tickets.models import Ticket
from tests.web.conftest import World, create, post_ok, ring_and_answer

PHONE = "13912340000"


def test_consent_is_taken_at_intake_changed_later_and_enforced(any_world: World) -> None:
    world = any_world
    operator = world.login("operator1")
    ticket = create(
        operator, caller_phone=PHONE, consent_callback=False, content=f"回电 {PHONE} 找王先生，楼道灯坏了"
    )
    assert ticket["consent_callback"] is False and ticket["consent_recording"] is True
    tid = ticket["id"]
    with world.session() as session:
        stored = session.get(Ticket, tid)
        assert stored is not None
        with pytest.raises(Conflict, match="不同意回访"):  # what the dial route answers with
            check_may_call_back(stored)
    changed = post_ok(
        operator,
        f"/api/tickets/{tid}/consent",
        {"callback": True, "share_number": False, "note": "来电人改口"},
    )
    assert changed["consent_callback"] is True and changed["confidential"] is True
    ledger = operator.get(f"/api/tickets/{tid}/consents").json()
    assert [(c["callback"], c["share_number"], c["note"]) for c in ledger] == [
        (False, True, "受理时"),
        (True, False, "来电人改口"),
    ]
    # no longer sharing the number: the unit sees it masked
    post_ok(world.login("dispatcher"), f"/api/tickets/{tid}/dispatch", {"unit_code": "housing"})
    assert world.login("unit_housing").get(f"/api/tickets/{tid}").json()["caller_phone"] == "139****0000"
    assert (
        world.login("unit_housing").post(f"/api/tickets/{tid}/consent", json={"callback": False}).status_code
        == 403
    )


def test_lookup_export_and_erasure_are_audited_and_keep_the_matter(world: World) -> None:
    operator = world.login("operator1")
    kept = create(operator, caller_phone="13700007777", title="另一位来电人")
    first = create(operator, caller_phone=PHONE, caller_name="王五", content=f"请回电 {PHONE}，小区路灯坏了")
    create(operator, caller_phone=PHONE, caller_name="王五", title="再次反映路灯")
    ring_and_answer(world, linkedid="privacy-call", seat="1001", number=PHONE)
    admin = world.login("admin")
    found = admin.get("/api/admin/privacy/caller", params={"phone": PHONE}).json()
    assert found["phone_masked"] == "139****0000" and len(found["tickets"]) == 2 and found["calls"] == 1
    exported = admin.get("/api/admin/privacy/export.json", params={"phone": PHONE})
    body = json.loads(exported.content)
    assert body["phone"] == PHONE and {t["caller_name"] for t in body["tickets"]} == {"王五"}
    assert all("query_code" not in t for t in body["tickets"])
    mismatch = admin.post(
        "/api/admin/privacy/erase", json={"phone": PHONE, "confirm_phone": "139", "reason": "本人申请"}
    )
    assert mismatch.status_code == 422 and "不一致" in mismatch.json()["detail"]
    done = post_ok(
        admin,
        "/api/admin/privacy/erase",
        {"phone": PHONE, "confirm_phone": PHONE, "reason": "本人申请 2026-001"},
    )
    assert done == {"tickets": 2, "calls": 1, "consents": 2}
    with world.session() as session:
        erased = session.get(Ticket, first["id"])
        assert erased is not None
        assert (erased.caller_name, erased.caller_phone) == ("（已删除）", "")
        assert PHONE not in erased.content and "小区路灯坏了" in erased.content  # the matter stays
        assert session.exec(select(Call).where(Call.caller_number == PHONE)).all() == []
        other = session.get(Ticket, kept["id"])
        assert other is not None and other.caller_phone == "13700007777"
    assert admin.get("/api/admin/privacy/caller", params={"phone": PHONE}).json()["tickets"] == []
    trail = admin.get("/api/admin/audit", params={"action": "privacy."}).json()["entries"]
    assert [e["action"] for e in trail][:3] == ["privacy.lookup", "privacy.erase", "privacy.export"]
    assert all(e["target_label"] == "139****0000" for e in trail) and all(
        PHONE not in json.dumps(e) for e in trail
    )
    for username in ("operator1", "dispatcher", "supervisor"):
        assert (
            world.login(username).get("/api/admin/privacy/caller", params={"phone": PHONE}).status_code == 403
        )

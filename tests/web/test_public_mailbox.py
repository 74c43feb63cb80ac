"""市长信箱: the public side writes to the mayor's mailbox, a ticket of channel mailbox, and the
reports count it in their channel breakdown."""

import re
from typing import Any

from sqlmodel import select

from hotline.enums import Channel
from hotline.tickets.models import Ticket
from tests.web.conftest import TestClient, World

LETTER = {
    "caller_name": "赵六",
    "caller_phone": "0739-5123456",
    "title": "建议增设公交线路",
    "content": "城南新区到市中心没有直达公交，建议增设一条公交线路方便居民出行。",
    "nature": "suggestion",
}


def _send(client: TestClient, path: str, **fields: Any) -> Any:
    page = client.get(path)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return client.post(path, data={**LETTER, **fields, "csrf_token": token.group(1)})


def test_a_letter_to_the_mayors_mailbox_is_a_mailbox_ticket_counted_in_the_reports(world: World) -> None:
    client = TestClient(world.app)
    form = client.get("/public/mailbox").text
    assert "<h1>市长信箱</h1>" in form and 'action="/public/mailbox"' in form
    assert 'href="/public" ' in form or 'href="/public">' in form  # the way back to 网上留言
    done = _send(client, "/public/mailbox")
    assert done.status_code == 200 and "市长信箱" in done.text and "查询码" in done.text
    assert _send(client, "/public").status_code == 200  # and one 网上留言 beside it
    with world.session() as session:
        channels = sorted(t.channel for t in session.exec(select(Ticket)).all())
    assert channels == sorted([Channel.MAILBOX, Channel.WEB])

    supervisor = world.login("supervisor")
    rows = supervisor.get("/api/reports/breakdown", params={"by": "channel"}).json()
    created = {r["key"]: r["created"] for r in rows}
    assert created["mailbox"] == 1 and created["web"] == 1
    assert {r["key"]: r["label"] for r in rows} == {"mailbox": "市长信箱", "web": "网站"}  # shown as is
    period = supervisor.get("/api/reports/period").json()
    assert period["counts"]["by_channel"]["mailbox"] == 1


def test_the_mailbox_form_checks_the_same_rule_and_keeps_what_was_written(world: World) -> None:
    client = TestClient(world.app)
    refused = _send(client, "/public/mailbox", caller_phone="12345", title="信")
    assert refused.status_code == 422
    assert 'id="caller_phone-error"' in refused.text and 'id="title-error"' in refused.text
    assert 'value="12345"' in refused.text and LETTER["content"] in refused.text
    assert 'action="/public/mailbox"' in refused.text  # the citizen stays on the mailbox form
    with world.session() as session:
        assert session.exec(select(Ticket)).all() == []

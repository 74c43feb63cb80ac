"""The no-login pages are rate-limited per client address: the web form and the progress lookup."""

import logging
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import func, select
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hotline.enums import Channel
from hotline.tickets.models import Ticket
from tests.web.conftest import REDIS_URL, TestClient, World
from web.ratelimit import RateLimiter, Rule

FORM = {
    "caller_name": "李四",
    "caller_phone": "13700001111",
    "title": "路面坑洼",
    "content": "宝庆路路面坑洼积水",
}


def _token(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def _submit(client: TestClient, **headers: str) -> Any:
    token = _token(client, "/public")
    return client.post("/public", data={**FORM, "csrf_token": token}, headers=headers)


def _lookup(client: TestClient, code: str, phone: str = "13700001111") -> Any:
    token = _token(client, "/public/progress")
    return client.post(
        "/public/progress", data={"query_code": code, "caller_phone": phone, "csrf_token": token}
    )


def _web_tickets(world: World) -> int:
    with world.session() as session:
        count = select(func.count()).select_from(Ticket).where(Ticket.channel == Channel.WEB)
        return session.exec(count).one()


def _query_code(html: str) -> str:
    found = re.search(r'id="query-code"[^>]*>([^<]+)<', html)
    assert found is not None, html
    return found.group(1).strip()


def _assert_refused(response: Any, message: str, window_s: int) -> None:
    assert response.status_code == 429, response.text
    assert message in response.text and "请约" in response.text
    assert 1 <= int(response.headers["retry-after"]) <= window_s


def test_the_form_refuses_the_submission_past_the_limit_and_creates_nothing(
    world_factory: Callable[..., World],
) -> None:
    world = world_factory(public_form_limit=3)
    for _ in range(3):
        response = _submit(world.client)
        assert response.status_code == 200 and "查询码" in response.text, response.text
    assert _web_tickets(world) == 3
    refused = _submit(world.client)
    _assert_refused(refused, "提交过于频繁", 600)
    assert 'value="路面坑洼"' in refused.text  # what the citizen typed is still in the form
    # the app never reads X-Forwarded-For itself: a client cannot name its own address
    _assert_refused(_submit(world.client, **{"X-Forwarded-For": "198.51.100.9"}), "提交过于频繁", 600)
    assert _web_tickets(world) == 3

    other = TestClient(world.app, client=("203.0.113.7", 40000))
    assert _submit(other).status_code == 200
    assert _web_tickets(world) == 4


def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_count(
    world_factory: Callable[..., World],
) -> None:
    """``hotline serve --proxy-headers``: uvicorn sets the client from X-Forwarded-For, for its proxy only."""
    world = world_factory(public_form_limit=1)
    behind = ProxyHeadersMiddleware(world.app, trusted_hosts="127.0.0.1")
    proxy = TestClient(behind, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    assert _submit(proxy, **{"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    _assert_refused(_submit(proxy, **{"X-Forwarded-For": "198.51.100.1"}), "提交过于频繁", 600)
    assert _submit(proxy, **{"X-Forwarded-For": "198.51.100.2"}).status_code == 200
    # a client that is not the proxy cannot choose its address with the header
    stranger = TestClient(behind, client=("203.0.113.50", 50000))  # type: ignore[arg-type]
    assert _submit(stranger, **{"X-Forwarded-For": "198.51.100.3"}).status_code == 200
    _assert_refused(_submit(stranger, **{"X-Forwarded-For": "198.51.100.4"}), "提交过于频繁", 600)
    assert _web_tickets(world) == 3


def test_the_window_moves_on(world_factory: Callable[..., World]) -> None:
    world = world_factory(public_form_limit=1, public_form_window_s=1)
    assert _submit(world.client).status_code == 200
    counted_by = time.monotonic()  # the first submission was counted before its answer came
    _assert_refused(_submit(world.client), "提交过于频繁", 1)
    time.sleep(max(0.0, 1.05 - (time.monotonic() - counted_by)))  # its one-second window has passed
    assert _submit(world.client).status_code == 200
    assert _web_tickets(world) == 2


def test_the_progress_lookup_is_limited_even_for_the_right_code(world_factory: Callable[..., World]) -> None:
    world = world_factory(public_progress_limit=3)
    code = _query_code(_submit(world.client).text)
    assert _lookup(world.client, code).status_code == 200
    for guess in ("AAAA0000", "BBBB1111"):
        assert _lookup(world.client, guess).status_code == 404
    refused = _lookup(world.client, code)
    _assert_refused(refused, "查询过于频繁", 600)
    assert 'id="progress"' not in refused.text
    other = TestClient(world.app, client=("203.0.113.8", 40000))
    found = _lookup(other, code)
    assert found.status_code == 200 and 'id="progress"' in found.text


def test_a_limit_counts_one_rule_at_a_time() -> None:
    limiter = RateLimiter()
    form, lookup = Rule("public_form", 1, 60), Rule("public_progress", 1, 60)
    assert limiter.hit(form, "192.0.2.1").allowed
    assert limiter.hit(lookup, "192.0.2.1").allowed
    refused = limiter.hit(form, "192.0.2.1")
    assert not refused.allowed and 59 <= refused.retry_after_s <= 60


def test_a_failing_redis_lets_the_request_through_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RateLimiter("redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="web.ratelimit"):
        assert limiter.hit(Rule("public_form", 1, 60), "192.0.2.1").allowed
    assert "rate limit public_form not checked (redis storage failed)" in caplog.text


def test_two_app_processes_share_the_count_through_redis(
    world_factory: Callable[..., World], redis_prefix: str
) -> None:
    # the setting's name in the environment (HOTLINE_REDIS_URL), as each process would read it
    settings = {"HOTLINE_REDIS_URL": REDIS_URL, "redis_channel_prefix": redis_prefix, "public_form_limit": 2}
    first, second = world_factory(**settings), world_factory(**settings)
    assert first.app.state.services.rate_limiter.backend == "redis"
    assert _submit(first.client).status_code == 200
    assert _submit(second.client).status_code == 200
    _assert_refused(_submit(first.client), "提交过于频繁", 600)
    _assert_refused(_submit(second.client), "提交过于频繁", 600)
    assert _web_tickets(first) + _web_tickets(second) == 2
    elsewhere = TestClient(second.app, client=("203.0.113.9", 40000))
    assert _submit(elsewhere).status_code == 200


def test_open311_posts_are_limited_per_api_key_and_a_refused_one_creates_nothing(
    world_factory: Callable[..., World],
) -> None:
    world = world_factory(open311_post_limit=2, open311_api_keys=["partner-key", "other-key"])
    client = TestClient(world.app)
    form = {
        "service_code": "urban.property",
        "description": "小区电梯坏了一周没人修",
        "api_key": "partner-key",
    }
    assert [client.post("/open311/v2/requests.json", data=form).status_code for _ in range(2)] == [201, 201]
    refused = client.post("/open311/v2/requests.json", data=form)
    assert refused.status_code == 429
    assert refused.json()["error"] == "TooManyRequests" and int(refused.headers["retry-after"]) >= 1
    other = client.post("/open311/v2/requests.json", data={**form, "api_key": "other-key"})
    assert other.status_code == 201  # another partner has its own count
    with world.session() as session:
        assert len(session.exec(select(Ticket)).all()) == 3
    spec = client.get("/openapi.json").json()
    assert "429" in spec["paths"]["/open311/v2/requests.json"]["post"]["responses"]

"""An open websocket feed ends with its session: at logout, deactivation and the cookie's maximum age."""

import os
import time
from collections.abc import Callable

import anyio
import pytest
from sqlmodel import select
from starlette.testclient import WebSocketTestSession

from hotline.users.models import User
from tests.web.conftest import REDIS_URL, World, as_user, create, next_message

SESSION_ENDED = 4401  # what common.js's live() reads as "go to the login page"


def _close_code(ws: WebSocketTestSession, within_s: float = 2.0) -> int:
    """The code the server closes the feed with (skipping data before it); fails if it stays open."""

    async def close_code() -> int:
        with anyio.fail_after(within_s):
            while True:  # the test client's receive() has no timeout: read its queue on its own loop
                message = await ws._send_rx.receive()
                if message["type"] == "websocket.close":
                    return int(message.get("code", 1000))

    try:
        return ws.portal.call(close_code)
    except TimeoutError:
        pytest.fail(f"the feed was still open after {within_s} s")


def _deactivate(world: World, username: str) -> None:
    """As an admin's CLI in another process would: straight in the database, no event."""
    with world.session() as session:
        user = session.exec(select(User).where(User.username == username)).one()
        user.active = False
        session.add(user)
        session.commit()


def _still_receives(world: World, feed: WebSocketTestSession) -> None:
    """A dispatcher's desk feed still hears a ticket created now."""
    ticket = create(world.login("operator2"), title="还在推送")
    assert next_message(feed, "tickets")["id"] == ticket["id"]


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("operator1", "/ws/desk"),
        ("supervisor", "/ws/wallboard"),
        ("operator1", "/ws/seat"),
        ("unit_housing", "/ws/unit"),
    ],
)
def test_a_logout_elsewhere_closes_that_users_open_feeds_at_once_and_no_one_elses(
    world: World, username: str, path: str
) -> None:
    with (
        as_user(world, username).websocket_connect(path) as feed,
        as_user(world, "dispatcher").websocket_connect("/ws/desk") as bystander,
    ):
        elsewhere = world.login(username, real=True)  # the same user in another browser
        started = time.monotonic()
        assert elsewhere.post("/logout", follow_redirects=False).status_code == 303
        assert _close_code(feed) == SESSION_ENDED
        assert time.monotonic() - started < 2.0  # the event, not the 30 s recheck
        _still_receives(world, bystander)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_user_deactivated_in_the_database_loses_the_feed_at_the_next_recheck(
    world_factory: Callable[..., World], backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = world_factory(backend, live_recheck_s=0.1)
    with (
        as_user(world, "operator1").websocket_connect("/ws/desk") as feed,
        as_user(world, "dispatcher").websocket_connect("/ws/desk") as bystander,
    ):
        time.sleep(0.5)  # a few rechecks pass; each user is now in the user cache
        _deactivate(world, "operator1")
        real = time.monotonic
        monkeypatch.setattr("web.deps.time.monotonic", lambda: real() + 6)  # the cache's 5 s are up
        assert _close_code(feed) == SESSION_ENDED
        _still_receives(world, bystander)


def test_a_session_past_its_maximum_age_loses_the_feed_at_the_next_recheck(
    world_factory: Callable[..., World], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = world_factory(live_recheck_s=0.1, session_max_age_s=60)
    with as_user(world, "dispatcher").websocket_connect("/ws/desk") as feed:
        time.sleep(0.5)  # a few rechecks of a young session pass
        _still_receives(world, feed)
        real = time.time
        monkeypatch.setattr("web.security.time.time", lambda: real() + 61)
        assert _close_code(feed) == SESSION_ENDED


def test_a_logout_in_another_app_process_closes_the_feed_through_redis(
    world_factory: Callable[..., World],
) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as err:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable ({err})")
    prefix = f"hotline-test-{os.getpid()}-{time.monotonic_ns()}:"
    shared = {"HOTLINE_REDIS_URL": REDIS_URL, "redis_channel_prefix": prefix}  # the field's alias
    feeds, logins = world_factory(**shared), world_factory(**shared)
    assert feeds.app.state.services.hub.backend == "redis"
    # Each has its own copy of the database here, so only the event can close the feed.
    with as_user(feeds, "operator1").websocket_connect("/ws/desk") as feed:
        elsewhere = logins.login("operator1", real=True)
        assert elsewhere.post("/logout", follow_redirects=False).status_code == 303
        assert _close_code(feed) == SESSION_ENDED

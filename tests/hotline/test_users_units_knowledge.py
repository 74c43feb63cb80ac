"""Users (passwords, lockout), units and the knowledge base."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from hotline.clock import FixedClock
from hotline.enums import Role, UnitKind
from hotline.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hotline.knowledge.models import ArticleCreate
from hotline.knowledge.service import create_article, get_article, search_articles
from hotline.seed.service import seed
from hotline.units.models import UnitCreate, UnitUpdate
from hotline.units.service import create_unit, district_unit, get_unit, list_units, update_unit
from hotline.users import service as users_service
from hotline.users.models import UserCreate
from hotline.users.service import (
    MAX_FAILED_LOGINS,
    actor_for,
    authenticate,
    create_user,
    get_user,
    list_users,
)
from tests.factories import seeded


def test_login_locks_after_repeated_failures(session: Session, clock: FixedClock) -> None:
    seeded(session, clock.now())
    data = UserCreate(
        username="clerk", display_name="办事员", role=Role.UNIT, password="s3cret-pass", unit_code="urban"
    )
    user = create_user(session, data=data)
    assert user.password_hash.startswith("$argon2")
    assert actor_for(user).unit_id == user.unit_id
    assert authenticate(session, username="clerk", password="s3cret-pass", now=clock.now()).id == user.id
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            authenticate(session, username="clerk", password="guess", now=clock.now())
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        authenticate(session, username="clerk", password="s3cret-pass", now=clock.now())
    later = clock.now() + timedelta(minutes=16)
    assert authenticate(session, username="clerk", password="s3cret-pass", now=later).failed_logins == 0
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        authenticate(session, username="nobody", password="x", now=clock.now())


def test_the_slow_password_check_runs_with_no_transaction_open(
    session: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite a write transaction holds the whole database: a login must not keep every
    # other writer waiting through ~0.1 s of argon2.
    seeded(session, clock.now())
    data = UserCreate(username="clerk", display_name="办事员", role=Role.OPERATOR, password="s3cret-pass")
    clerk = create_user(session, data=data)
    checked: list[bool] = []
    real = users_service._hasher

    class Watching:
        def verify(self, stored: str, password: str) -> bool:
            checked.append(session.in_transaction())
            return real.verify(stored, password)

        def hash(self, password: str) -> str:
            checked.append(session.in_transaction())
            return real.hash(password)

    monkeypatch.setattr(users_service, "_hasher", Watching())
    authenticate(session, username="clerk", password="s3cret-pass", now=clock.now())
    for name, password in (("clerk", "guess"), ("nobody", "guess")):
        with pytest.raises(PermissionDenied):
            authenticate(session, username=name, password=password, now=clock.now())
    assert checked == [False, False, False]
    assert clerk.id is not None
    assert get_user(session, user_id=clerk.id).failed_logins == 1


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (dict(role=Role.UNIT, unit_code=None), InvalidInput, "^成员单位用户必须选择所属单位$"),
        (dict(role=Role.CHANNEL), InvalidInput, "^角色「渠道」不能登录"),
        (dict(role=Role.SYSTEM), InvalidInput, "^角色「系统」不能登录"),
        (dict(role=Role.OPERATOR, unit_code="urban"), InvalidInput, "^话务员不属于某个单位"),
        (dict(role=Role.UNIT, unit_code="nowhere"), InvalidInput, "^单位代码「nowhere」不存在$"),
        (dict(role=Role.OPERATOR, password="short"), InvalidInput, "^密码至少 8 个字符$"),
        (dict(role=Role.OPERATOR, username=""), InvalidInput, "^用户名不能为空$"),
    ],
)
def test_bad_users_are_refused(
    session: Session, clock: FixedClock, data: dict[str, object], error: type[Exception], message: str
) -> None:
    seeded(session, clock.now())
    values: dict[str, object] = {"username": "u1", "display_name": "某人", "password": "long-enough", **data}
    with pytest.raises(error, match=message):
        create_user(session, data=UserCreate.model_validate(values))
    assert list_users(session) == []


def test_usernames_are_unique(session: Session, clock: FixedClock) -> None:
    data = UserCreate(username="op", display_name="话务员", role=Role.OPERATOR, password="long-enough")
    user = create_user(session, data=data)
    assert user.id is not None
    assert get_user(session, user_id=user.id).username == "op"
    with pytest.raises(Conflict, match=r"^用户名「op」已存在$"):
        create_user(session, data=data)
    with pytest.raises(NotFound):
        get_user(session, user_id=999_999)


def test_units_tree_and_updates(session: Session, clock: FixedClock) -> None:
    seeded(session, clock.now())
    street = create_unit(
        session,
        data=UnitCreate(
            code="longxutang",
            name="龙须塘街道办事处",
            kind=UnitKind.STREET,
            district="双清区",
            parent_code="shuangqing",
        ),
    )
    assert street.parent_id == district_unit(session, district="双清区").id  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="已存在"):
        create_unit(session, data=UnitCreate(code="longxutang", name="x", kind=UnitKind.STREET))
    with pytest.raises(InvalidInput, match=r"单位代码「.*」不存在"):
        create_unit(session, data=UnitCreate(code="x1", name="x", kind=UnitKind.STREET, parent_code="nope"))
    assert street.id is not None
    update_unit(session, unit_id=street.id, data=UnitUpdate(active=False, liaison_phone="0739-5555555"))
    assert get_unit(session, unit_id=street.id).liaison_phone == "0739-5555555"
    assert street.code not in {u.code for u in list_units(session)}
    assert street.code in {u.code for u in list_units(session, active_only=False)}
    assert district_unit(session, district="不存在区") is None


def test_knowledge_search_ranks_and_hides_expired(session: Session, clock: FixedClock) -> None:
    seed(session, now=clock.now(), demo=True)
    today = date(2026, 11, 23)
    expired = create_article(
        session,
        data=ArticleCreate(
            title="2025年公积金提取旧政策", body="已废止", keywords="公积金", expires_on=date(2025, 12, 31)
        ),
        now=clock.now(),
    )
    found = search_articles(session, query="公积金 提取", today=today)
    assert found
    assert found[0].title == "住房公积金提取条件与办理渠道"
    assert expired.id not in {a.id for a in found}
    assert search_articles(session, query="不存在的话题xyz", today=today) == []
    with pytest.raises(InvalidInput, match=r"^搜索词不能超过 200 个字符"):
        search_articles(session, query="x" * 500, today=today)
    with pytest.raises(NotFound):
        get_article(session, article_id=999_999)

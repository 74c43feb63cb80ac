"""接口密钥: the admin issues a partner key (shown once, stored hashed), Open311 takes it, a revoked
key is refused like a wrong one, and both changes are audited without the key."""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import select

from hotline.partners.models import ApiKey
from tests.web.conftest import TestClient, World

FORM = {"service_code": "urban.property", "description": "小区电梯坏了一周没人修"}


def issue(admin: TestClient, partner: str = "市数据局政务平台") -> dict[str, Any]:
    response = admin.post("/api/admin/apikeys", json={"partner": partner})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_an_issued_key_works_until_revoked_and_is_never_stored(any_world: World) -> None:
    world = any_world
    admin = world.login("admin")
    created = issue(admin)
    key, item = created["key"], created["item"]
    assert key.startswith("h311_") and len(key) > 30
    assert item["prefix"] == key[:12] and item["partner"] == "市数据局政务平台"
    assert item["created_by_name"] == "系统管理员" and not item["revoked"] and item["last_used_at"] is None
    # The database holds its hash and prefix only.
    with world.session() as session:
        row = session.exec(select(ApiKey).where(ApiKey.id == item["id"])).one()
        stored = json.dumps(row.model_dump(mode="json"))
    assert key not in stored and key[12:] not in stored
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    # Open311 takes it, by header or query, for reading and for creating.
    partner = TestClient(world.app)
    assert partner.get("/open311/v2/requests.json", headers={"X-API-Key": key}).status_code == 200
    assert partner.get("/open311/v2/requests.json", params={"api_key": key}).status_code == 200
    assert partner.post("/open311/v2/requests.json", data=FORM, headers={"X-API-Key": key}).status_code == 201
    [listed] = admin.get("/api/admin/apikeys").json()
    assert listed["last_used_at"] is not None
    # The bootstrap key from the environment still works.
    assert partner.get("/open311/v2/requests.json", headers={"X-API-Key": "partner-key"}).status_code == 200
    # Revoked: refused exactly as a wrong key is.
    revoked = admin.post(f"/api/admin/apikeys/{item['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] and revoked.json()["revoked_at"]
    after = partner.get("/open311/v2/requests.json", headers={"X-API-Key": key})
    wrong = partner.get("/open311/v2/requests.json", headers={"X-API-Key": key[:-1] + "x"})
    assert after.status_code == wrong.status_code == 403 and after.json() == wrong.json()
    assert partner.post("/open311/v2/requests.json", data=FORM, headers={"X-API-Key": key}).status_code == 403
    twice = admin.post(f"/api/admin/apikeys/{item['id']}/revoke")
    assert twice.status_code == 409 and "已吊销" in twice.json()["detail"]
    # The list: in use first; the revoked one stays, marked.
    fresh = issue(admin, "应急管理平台")["item"]
    assert [k["id"] for k in admin.get("/api/admin/apikeys").json()] == [fresh["id"], item["id"]]


def test_last_used_is_noted_at_most_once_a_minute(world: World) -> None:
    admin = world.login("admin")
    created = issue(admin)
    partner = TestClient(world.app)
    headers = {"X-API-Key": created["key"]}
    assert partner.get("/open311/v2/requests.json", headers=headers).status_code == 200
    first = admin.get("/api/admin/apikeys").json()[0]["last_used_at"]
    world.clock.advance(timedelta(seconds=30))
    assert partner.get("/open311/v2/requests.json", headers=headers).status_code == 200
    assert admin.get("/api/admin/apikeys").json()[0]["last_used_at"] == first
    world.clock.advance(timedelta(seconds=31))
    assert partner.post("/open311/v2/requests.json", data=FORM, headers=headers).status_code == 201
    assert admin.get("/api/admin/apikeys").json()[0]["last_used_at"] > first


def test_an_issued_key_has_its_own_post_limit(world_factory: Callable[..., World]) -> None:
    world = world_factory(open311_post_limit=1)
    admin = world.login("admin")
    one, two = issue(admin, "甲平台")["key"], issue(admin, "乙平台")["key"]
    partner = TestClient(world.app)

    def post(key: str) -> Any:
        return partner.post("/open311/v2/requests.json", data=FORM, headers={"X-API-Key": key})

    assert post(one).status_code == 201
    limited = post(one)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert post(two).status_code == 201


def test_create_and_revoke_are_audited_without_the_key(world: World) -> None:
    admin = world.login("admin")
    created = issue(admin, "市数据局政务平台")
    key, item = created["key"], created["item"]
    admin.post(f"/api/admin/apikeys/{item['id']}/revoke")
    entries = admin.get("/api/admin/audit", params={"action": "apikey."}).json()["entries"]
    assert [e["action"] for e in entries] == ["apikey.revoke", "apikey.create"]
    revoke, create = entries
    assert create["target_kind"] == "apikey" and create["target_id"] == str(item["id"])
    assert create["target_label"] == f"市数据局政务平台（{item['prefix']}…）"
    assert create["after"]["partner"] == "市数据局政务平台" and "key_hash" not in create["after"]
    assert revoke["changed"] == ["revoked_at"] and revoke["actor_name"] == "系统管理员"
    dumped = json.dumps(entries, ensure_ascii=False)
    assert key not in dumped and hashlib.sha256(key.encode()).hexdigest() not in dumped


def test_bad_input_is_refused_in_chinese(world: World) -> None:
    admin = world.login("admin")
    for partner, words in (("   ", "请填写合作方名称"), ("甲\n乙", "无效字符"), ("长" * 65, "64")):
        response = admin.post("/api/admin/apikeys", json={"partner": partner})
        assert response.status_code == 422, partner
        assert words in response.json()["detail"], response.json()
    assert admin.post("/api/admin/apikeys", json={}).status_code == 422
    missing = admin.post("/api/admin/apikeys/999999/revoke")
    assert missing.status_code == 404 and "不存在" in missing.json()["detail"]
    assert admin.get("/api/admin/apikeys").json() == []


def test_only_the_admin_manages_keys(world: World) -> None:
    for username in ("operator1", "dispatcher", "supervisor", "unit_housing"):
        client = world.login(username)
        assert client.get("/api/admin/apikeys").status_code == 403, username
        assert client.post("/api/admin/apikeys", json={"partner": "x"}).status_code == 403, username
        assert client.post("/api/admin/apikeys/1/revoke").status_code == 403, username
    assert world.client.get("/api/admin/apikeys").status_code == 401

"""知识库: the admin's article API, its audit entries, and the operators' search seeing edits at once."""

from datetime import timedelta
from typing import Any

from sqlmodel import select

from hotline.units.models import Unit
from tests.web.conftest import TestClient, World

ARTICLE = {
    "title": "电动车充电桩报装流程",
    "body": "小区业主可向物业提出申请，经供电公司现场勘查后安装，费用由业主承担。",
    "keywords": "充电桩 电动车 报装",
}


def _audit(admin: TestClient, action: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = admin.get("/api/admin/audit", params={"action": action}).json()["entries"]
    return entries


def _titles(operator: TestClient, q: str) -> list[str]:
    response = operator.get("/api/knowledge", params={"q": q})
    assert response.status_code == 200, response.text
    return [a["title"] for a in response.json()]


def _unit_id(world: World, code: str) -> int:
    with world.session() as session:
        unit_id = session.exec(select(Unit).where(Unit.code == code)).one().id
    assert unit_id is not None
    return unit_id


def test_only_the_admin_edits_articles(world: World) -> None:
    for username in ("operator1", "dispatcher", "supervisor", "unit_housing"):
        client = world.login(username)
        assert client.get("/api/admin/knowledge").status_code == 403, username
        assert client.post("/api/admin/knowledge", json=ARTICLE).status_code == 403
        assert client.put("/api/admin/knowledge/1", json=ARTICLE).status_code == 403
        assert client.delete("/api/admin/knowledge/1").status_code == 403
    assert len(world.login("admin").get("/api/admin/knowledge").json()["articles"]) == 5


def test_create_edit_delete_show_in_the_operators_search_at_once(any_world: World) -> None:
    admin, operator = any_world.login("admin"), any_world.login("operator1")
    power = _unit_id(any_world, "power")
    assert _titles(operator, "充电桩") == []
    created = admin.post("/api/admin/knowledge", json=ARTICLE | {"owner_unit_id": power})
    assert created.status_code == 201, created.text
    article = created.json()
    assert article["owner_unit_name"] == "国网邵阳供电分公司" and article["expired"] is False
    assert _titles(operator, "充电桩") == [ARTICLE["title"]]
    (made,) = _audit(admin, "article.create")
    assert made["before"] is None and made["after"]["body"] == ARTICLE["body"]

    any_world.clock.advance(timedelta(minutes=5))
    changed = admin.put(
        f"/api/admin/knowledge/{article['id']}",
        json=ARTICLE | {"title": "充电设施报装指引", "keywords": "充电 报装", "owner_unit_id": power},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["updated_at"] > article["updated_at"]
    assert _titles(operator, "充电设施") == ["充电设施报装指引"]
    assert _titles(operator, "电动车充电桩报装流程") == []
    (entry,) = _audit(admin, "article.update")
    assert entry["changed"] == ["keywords", "title", "updated_at"]
    assert entry["before"]["title"] == ARTICLE["title"] and entry["after"]["title"] == "充电设施报装指引"

    deleted = admin.delete(f"/api/admin/knowledge/{article['id']}")
    assert deleted.status_code == 200 and deleted.json()["title"] == "充电设施报装指引"
    assert _titles(operator, "充电") == []
    (gone,) = _audit(admin, "article.delete")
    assert gone["before"]["title"] == "充电设施报装指引" and gone["after"] is None
    assert admin.delete(f"/api/admin/knowledge/{article['id']}").status_code == 404


def test_expired_articles_are_marked_and_left_out_of_the_search(world: World) -> None:
    admin, operator = world.login("admin"), world.login("operator1")
    yesterday = (world.clock.now() - timedelta(days=1)).date().isoformat()
    made = admin.post("/api/admin/knowledge", json=ARTICLE | {"expires_on": yesterday}).json()
    assert made["expired"] is True
    listed = admin.get("/api/admin/knowledge", params={"q": "充电桩"}).json()["articles"]
    assert [a["id"] for a in listed] == [made["id"]] and listed[0]["expired"] is True
    assert _titles(operator, "充电桩") == []
    renewed = admin.put(f"/api/admin/knowledge/{made['id']}", json=ARTICLE | {"expires_on": None})
    assert renewed.json()["expired"] is False and _titles(operator, "充电桩") == [ARTICLE["title"]]


def test_the_list_searches_and_names_units_and_categories(world: World) -> None:
    admin = world.login("admin")
    found = admin.get("/api/admin/knowledge", params={"q": "公积金 提取"}).json()
    assert [a["title"] for a in found["articles"]] == ["住房公积金提取条件与办理渠道"]
    assert found["articles"][0]["owner_unit_name"] != ""
    assert any(c["name"] == "城市管理 › 物业管理" for c in found["categories"])
    assert any(u["name"] == "市住房和城乡建设局" for u in found["units"])


def test_a_long_body_is_kept_whole_up_to_the_cap(world: World) -> None:
    admin = world.login("admin")
    body = "很长的正文。" * 3333 + "止于"  # 20,000 characters exactly
    assert len(body) == 20000
    made = admin.post("/api/admin/knowledge", json=ARTICLE | {"body": body})
    assert made.status_code == 201, made.text
    assert made.json()["body"] == body
    (entry,) = _audit(admin, "article.create")
    assert entry["after"]["body"] == body
    too_long = admin.post("/api/admin/knowledge", json=ARTICLE | {"body": body + "多"})
    assert too_long.status_code == 422 and "不能超过 20000 个字符" in too_long.json()["detail"]


def test_bad_input_is_refused_in_chinese(world: World) -> None:
    admin = world.login("admin")
    cases = [
        ("post", "/api/admin/knowledge", ARTICLE | {"title": "   "}, 422, "标题不能为空"),
        ("post", "/api/admin/knowledge", ARTICLE | {"body": " \n "}, 422, "正文不能为空"),
        ("post", "/api/admin/knowledge", ARTICLE | {"title": ""}, 422, "请求有误"),
        ("post", "/api/admin/knowledge", ARTICLE | {"owner_unit_id": 999999}, 422, "责任单位"),
        ("post", "/api/admin/knowledge", ARTICLE | {"category_id": 999999}, 422, "类别"),
        ("post", "/api/admin/knowledge", ARTICLE | {"expires_on": "明年"}, 422, "应为日期"),
        ("put", "/api/admin/knowledge/999999", ARTICLE, 404, ""),
    ]
    for method, path, body, status, words in cases:
        response = getattr(admin, method)(path, json=body)
        assert response.status_code == status, (body, response.text)
        assert words in response.json()["detail"], (body, response.json())
    assert len(admin.get("/api/admin/knowledge").json()["articles"]) == 5
    assert _audit(admin, "article.") == []

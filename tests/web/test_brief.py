"""每月一题 over the web: JSON, the printable page (escaped), the workbook, who may read it, bad months."""

import io

from openpyxl import load_workbook

from tests.web.conftest import World, create, post_ok

XSS = "<script>alert(1)</script>夜市占道"


def _hot_month(world: World) -> None:
    operator = world.login("operator1")
    categories = {c["code"]: c["id"] for c in operator.get("/api/categories").json()}
    for i in range(3):
        ticket = create(
            operator, title=f"{XSS}{i}", district="双清区", category_id=categories["urban.street_vending"]
        )
        if i == 0:
            post_ok(
                world.login("dispatcher"), f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "urban"}
            )
    create(operator, title="工地夜间施工", district="大祥区", category_id=categories["urban.construction"])


def test_the_json_the_page_and_the_workbook_tell_the_same_brief(world: World) -> None:
    _hot_month(world)
    supervisor = world.login("supervisor")
    brief = supervisor.get("/api/reports/brief", params={"month": "2026-11"}).json()
    assert [(t["district"], t["tickets"]) for t in brief["topics"]] == [("双清区", 3), ("大祥区", 1)]
    page = supervisor.get("/reports/brief", params={"month": "2026-11"})
    assert page.status_code == 200
    assert "2026年11月 12345热线“每月一题”" in page.text and "双清区 · 占道经营：3 件" in page.text
    assert (
        "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    )
    book = load_workbook(
        io.BytesIO(supervisor.get("/api/reports/brief.xlsx", params={"month": "2026-11"}).content)
    )
    first = list(book["每月一题"].iter_rows(values_only=True))
    assert first[1][:5] == ("名次", "区县", "诉求类别", "工单数", "环比") and first[2][:4] == (
        1,
        "双清区",
        "占道经营",
        3,
    )
    examples = list(book["典型工单"].iter_rows(values_only=True))
    assert len(examples) == 1 + 3 + 1 and examples[1][3].startswith(
        "<script>"
    )  # stored as text, shown as text
    units = list(book["承办单位"].iter_rows(values_only=True))
    assert units[1][3] == 1  # the one ticket dispatched to 城管局


def test_default_month_roles_and_bad_input(world: World) -> None:
    supervisor = world.login("supervisor")
    assert supervisor.get("/api/reports/brief").json()["month"] == "2026-10-01"  # last month by default
    for bad in ("2026-13", "26-11", "2026/11"):
        response = supervisor.get("/api/reports/brief", params={"month": bad})
        assert response.status_code == 422, bad
    assert supervisor.get("/api/reports/brief", params={"top": 0}).status_code == 422
    for username in ("operator1", "unit_housing"):
        client = world.login(username)
        assert client.get("/api/reports/brief").status_code == 403
        assert client.get("/reports/brief").status_code == 403

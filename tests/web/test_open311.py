"""Open311 is public-facing: no confidential ticket, no personal number, and the key in a header."""

from collections.abc import Callable
from typing import Any

from tests.web.conftest import TestClient, World, create, post_ok

KEY = {"X-API-Key": "partner-key"}
QUERY_KEY = {"api_key": "partner-key"}  # GeoReport v2's way, still accepted
SECRET_TEXT = "我家楼下的事，请不要公开"
PERSONAL = "联系电话13912345678，身份证430502199001011234，座机0739-5123456"


def _numbers(listed: list[dict[str, Any]]) -> list[str]:
    return [r["service_request_id"] for r in listed]


def _two_tickets(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    operator = world.login("operator1")
    hidden = create(operator, confidential=True, title="匿名反映", content=SECRET_TEXT)
    shown = create(operator)
    return hidden, shown


def test_confidential_tickets_are_never_listed_found_or_counted(any_world: World) -> None:
    world = any_world
    hidden, shown = _two_tickets(world)
    client = TestClient(world.app)
    for params in ({}, {"status": "open"}, {"status": "open,closed"}, {"start_date": "2026-11-01T00:00:00Z"}):
        listed = client.get("/open311/v2/requests.json", params={**QUERY_KEY, **params})
        assert listed.status_code == 200, listed.text
        assert _numbers(listed.json()) == [shown["number"]], params
        assert SECRET_TEXT not in listed.text
    one = client.get(f"/open311/v2/requests/{hidden['number']}.json", params=QUERY_KEY)
    assert one.status_code == 404 and SECRET_TEXT not in one.text
    missing = client.get("/open311/v2/requests/20261123-99999.json", params=QUERY_KEY)
    assert missing.status_code == 404
    assert one.json()["detail"].replace(hidden["number"], "N") == missing.json()["detail"].replace(
        "20261123-99999", "N"
    )  # a confidential ticket looks exactly like one that does not exist
    both = f"{shown['number']},{hidden['number']}"
    by_ids = client.get("/open311/v2/requests.json", params={**QUERY_KEY, "service_request_id": both})
    assert by_ids.status_code == 404 and SECRET_TEXT not in by_ids.text
    ok = client.get("/open311/v2/requests.json", params={**QUERY_KEY, "service_request_id": shown["number"]})
    assert _numbers(ok.json()) == [shown["number"]]
    # staff still see both
    dispatcher = world.login("dispatcher")
    staff = {t["number"] for t in dispatcher.get("/api/tickets", params={"status": "draft"}).json()}
    assert {hidden["number"], shown["number"]} <= staff


def test_phone_and_id_numbers_in_the_texts_are_masked(world: World) -> None:
    operator, unit = world.login("operator1"), world.login("unit_housing")
    ticket = create(operator, content=PERSONAL, address="双清区某小区3栋，物业电话 0739-5123456")
    post_ok(operator, f"/api/tickets/{ticket['id']}/dispatch", {"unit_code": "housing"})
    post_ok(unit, f"/api/tickets/{ticket['id']}/sign")
    post_ok(
        unit,
        f"/api/tickets/{ticket['id']}/reply",
        {"text": "已处理，回电13912345678确认", "confirm_low_quality": True},
    )
    client = TestClient(world.app)
    [request] = client.get(f"/open311/v2/requests/{ticket['number']}.json", params=QUERY_KEY).json()
    text = str(request)
    for number in ("13912345678", "430502199001011234", "0739-5123456", "13800138000", "5123456"):
        assert number not in text
    assert "139****5678" in request["description"] and "430***********1234" in request["description"]
    assert "073*****3456" in request["address"]
    assert "139****5678" in request["status_notes"] and "已处理" in request["status_notes"]
    [listed] = client.get("/open311/v2/requests.json", params=QUERY_KEY).json()
    assert listed == request


def test_the_key_goes_in_the_x_api_key_header_and_the_query_still_works(world: World) -> None:
    _, shown = _two_tickets(world)
    anonymous = TestClient(world.app)
    path = f"/open311/v2/requests/{shown['number']}.json"
    assert anonymous.get(path).status_code == 403
    assert anonymous.get(path, headers={"X-API-Key": "wrong"}).status_code == 403
    assert anonymous.get(path, headers=KEY).status_code == 200
    assert anonymous.get(path, params={"api_key": "partner-key"}).status_code == 200
    # a wrong header is not rescued by a right key elsewhere: the header is read first
    assert (
        anonymous.get(path, headers={"X-API-Key": "wrong"}, params={"api_key": "partner-key"}).status_code
        == 403
    )
    refused = anonymous.get("/open311/v2/requests.json")
    assert refused.status_code == 403 and "X-API-Key" in refused.json()["detail"]
    form = {"service_code": "urban.property", "description": "小区电梯坏了一周没人修"}
    assert anonymous.post("/open311/v2/requests.json", data=form).status_code == 403
    assert anonymous.post("/open311/v2/requests.json", data=form, headers=KEY).status_code == 201
    spec = anonymous.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["open311_key"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "the partner's Open311 key",
    }
    get_one = spec["paths"]["/open311/v2/requests/{service_request_id}.json"]["get"]
    assert {"open311_key": []} in get_one["security"]


def test_the_post_limit_counts_a_key_however_it_is_sent(world_factory: Callable[..., World]) -> None:
    world = world_factory(open311_post_limit=2, open311_api_keys=["partner-key", "other-key"])
    client = TestClient(world.app)
    form = {"service_code": "urban.property", "description": "小区电梯坏了一周没人修"}
    assert client.post("/open311/v2/requests.json", data=form, headers=KEY).status_code == 201
    assert (
        client.post("/open311/v2/requests.json", data={**form, "api_key": "partner-key"}).status_code == 201
    )
    refused = client.post("/open311/v2/requests.json", data=form, headers=KEY)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    other = client.post("/open311/v2/requests.json", data=form, headers={"X-API-Key": "other-key"})
    assert other.status_code == 201

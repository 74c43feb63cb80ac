"""POST /api/assist/fields: who may ask, what comes back, and the classifier's own length limit."""

from tests.web.conftest import World


def test_fields_for_intake_roles_only_and_bounded(world: World) -> None:
    operator = world.login("operator1")
    found = operator.post(
        "/api/assist/fields", json={"text": "大祥区学院路菜市场门口摊贩占道，每天早上七点开始，希望管理"}
    )
    assert found.status_code == 200
    body = found.json()
    assert body["when"] == "每天早上七点" and body["demand"] == "希望管理" and body["district"] == "大祥区"
    assert set(body) == {"who", "when", "address", "title", "demand", "district", "street"}
    assert operator.post("/api/assist/fields", json={"text": "长" * 6001}).status_code == 422
    for username in ("unit_housing", "supervisor"):
        assert world.login(username).post("/api/assist/fields", json={"text": "路灯不亮"}).status_code == 403

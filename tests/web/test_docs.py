"""The API docs pages (Swagger UI, ReDoc) load only local files: the hotline's network has no internet."""

import hashlib
import re
from base64 import b64encode
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import World
from web.app import CSP
from web.vendor import VENDOR

ASSET = re.compile(r'(?:src|href)="([^"]+)"')
TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def _page(world: World, path: str) -> str:
    response = world.client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_reference_only_local_files_that_are_served(world: World, path: str) -> None:
    page = _page(world, path)
    assert "://" not in page and '"//' not in page and "'//" not in page  # no other host, no scheme-relative
    assert re.search(r"""(?:url: |spec-url=)["']/openapi\.json["']""", page), page
    assets = ASSET.findall(page)
    assert assets, page
    for asset in assets:
        assert asset.startswith("/vendor/"), asset
        response = world.client.get(asset)
        assert response.status_code == 200, f"{asset}: {response.text[:200]}"
        want = TYPES[Path(asset).suffix]
        assert response.headers["content-type"].startswith(want), (asset, response.headers["content-type"])
        assert len(response.content) > 500


def test_swagger_ui_runs_under_the_app_csp_plus_the_hash_of_its_one_inline_script(world: World) -> None:
    response = world.client.get("/docs")
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert len(inline) == 1 and "SwaggerUIBundle" in inline[0] and "'/openapi.json'" in inline[0]
    digest = b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    policy = response.headers["content-security-policy"]
    assert policy == CSP.replace("script-src 'self'", f"script-src 'self' 'sha256-{digest}'")
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    # ReDoc's page has no inline script; its search runs in a worker made from a blob: URL.
    redoc = world.client.get("/redoc").headers["content-security-policy"]
    assert redoc == f"{CSP}; worker-src 'self' blob:"


def test_openapi_json_is_a_valid_openapi_document(world: World) -> None:
    response = world.client.get("/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    schema = response.json()
    assert schema["openapi"].startswith("3.") and schema["info"]["title"] == "12345 政务服务便民热线"
    assert "/api/tickets" in schema["paths"]
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert operation["responses"], operation
    refs = set(re.findall(r'"\$ref":\s*"#/components/schemas/([^"]+)"', response.text))
    assert refs and refs <= set(schema["components"]["schemas"])


def test_only_listed_vendor_files_are_served(world: World) -> None:
    for name in VENDOR:
        assert world.client.get(f"/vendor/{name}").status_code == 200, name
    for probe in (
        "/vendor/swagger-ui/package.json",
        "/vendor/swagger-ui-dist/swagger-ui-bundle.js",
        "/vendor/../pyproject.toml",
        "/vendor/%2e%2e/%2e%2e/pyproject.toml",
        "/vendor/echarts/package.json",
        "/vendor/",
    ):
        response = world.client.get(probe)
        assert response.status_code == 404, probe
        assert "[project]" not in response.text


def test_a_missing_npm_install_says_what_to_run(world_factory: Callable[..., World], tmp_path: Path) -> None:
    world = world_factory(node_modules=tmp_path / "nothing-here")
    for name, file in VENDOR.items():
        response = world.client.get(f"/vendor/{name}")
        assert response.status_code == 404
        assert response.text == f"{file.package} is not installed: run scripts/bootstrap (npm ci)"
    assert world.client.get("/docs").status_code == 200  # the page itself still renders


def test_the_openapi_tells_api_users_about_the_csrf_header_and_swagger_can_send_it(world: World) -> None:
    spec = world.client.get("/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["csrf"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-CSRF-Token")
    assert {"csrf": []} in spec["paths"]["/api/tickets"]["post"]["security"]
    # What "Authorize" then sends is what the API checks: the token of GET /api/me.
    operator = world.login("operator1", real=True)
    token = operator.get("/api/me").json()["csrf_token"]
    plain = TestClient(world.app, cookies=dict(operator.cookies))
    ticket = {"title": "文档页试用", "content": "通过接口文档创建", "caller_phone": "13800138000"}
    assert plain.post("/api/tickets", json=ticket).status_code == 403
    assert plain.post("/api/tickets", json=ticket, headers={"X-CSRF-Token": token}).status_code == 201

"""Browser files installed by npm (``package.json``), served from ``node_modules``: no CDN.

Only the files named in ``VENDOR`` are served, each under a fixed URL; a request names a key of
that table, never a path, so nothing else under ``node_modules`` (or outside it) can be reached.
"""

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse, Response

PREFIX = "/vendor/"
CACHE = {"Cache-Control": "max-age=86400"}


@dataclass(frozen=True, slots=True)
class VendorFile:
    package: str  # the npm package that ships it (named in the 404 when it is missing)
    path: str  # inside node_modules
    media_type: str


VENDOR: dict[str, VendorFile] = {
    "echarts.min.js": VendorFile("echarts", "echarts/dist/echarts.min.js", "text/javascript"),
    "swagger-ui/swagger-ui-bundle.js": VendorFile(
        "swagger-ui-dist", "swagger-ui-dist/swagger-ui-bundle.js", "text/javascript"
    ),
    "swagger-ui/swagger-ui.css": VendorFile("swagger-ui-dist", "swagger-ui-dist/swagger-ui.css", "text/css"),
    "swagger-ui/favicon-32x32.png": VendorFile(
        "swagger-ui-dist", "swagger-ui-dist/favicon-32x32.png", "image/png"
    ),
    "redoc/redoc.standalone.js": VendorFile("redoc", "redoc/bundles/redoc.standalone.js", "text/javascript"),
}


def url(name: str) -> str:
    """The URL of a vendored file (a KeyError for a file not on the list)."""
    if name not in VENDOR:
        raise KeyError(f"{name} is not in web.vendor.VENDOR")
    return PREFIX + name


def router(node_modules: Path) -> APIRouter:
    """``GET /vendor/{name}`` for the names in ``VENDOR``; 404 with the fix when npm was not run."""
    vendor = APIRouter(include_in_schema=False)

    @vendor.get(PREFIX + "{name:path}")
    def vendored(name: str) -> Response:
        found = VENDOR.get(name)
        if found is None:
            return PlainTextResponse("not a vendored file", status_code=404)
        file = node_modules / found.path
        if not file.is_file():
            return PlainTextResponse(
                f"{found.package} is not installed: run scripts/bootstrap (npm ci)", status_code=404
            )
        return FileResponse(file, media_type=found.media_type, headers=CACHE)

    return vendor

"""The admin's screens and their API (``/admin``, ``/api/admin/...``): each area a module.

``SECTIONS`` is the page's tab order: each key has a template ``admin/_KEY.html`` and a script
``static/admin/KEY.js``.
"""

from fastapi import APIRouter

from web.routers.admin import apikeys, audit, transfer

SECTIONS: list[tuple[str, str]] = [
    ("audit", "操作日志"),
    ("apikeys", "接口密钥"),
    ("transfer", "转接目标"),
]

ROUTERS: list[APIRouter] = [audit.router, apikeys.router, transfer.router, transfer.seat_router]

"""The admin's screens and their API (``/admin``, ``/api/admin/...``): each area a module.

``SECTIONS`` is the page's tab order: each key has a template ``admin/_KEY.html`` and a script
``static/admin/KEY.js``.
"""

from fastapi import APIRouter

from web.routers.admin import (
    apikeys,
    audit,
    categories,
    holidays,
    knowledge,
    models,
    policies,
    privacy,
    seats,
    transfer,
    units,
    users,
)

SECTIONS: list[tuple[str, str]] = [
    ("users", "用户与锁定"),
    ("seats", "坐席"),
    ("units", "单位"),
    ("categories", "类别与派单目录"),
    ("policies", "时限规则"),
    ("holidays", "节假日"),
    ("knowledge", "知识库"),
    ("transfer", "转接目标"),
    ("apikeys", "接口密钥"),
    ("models", "分派模型"),
    ("privacy", "个人信息"),
    ("audit", "操作日志"),
]

ROUTERS: list[APIRouter] = [
    audit.router,
    users.router,
    seats.router,
    units.router,
    categories.router,
    policies.router,
    holidays.router,
    knowledge.router,
    apikeys.router,
    transfer.router,
    transfer.seat_router,
    privacy.router,
    models.router,
]

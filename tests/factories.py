"""Typed factories: the smallest valid objects, with sensible Shaoyang defaults."""

from datetime import datetime

from sqlmodel import Session

from hotline.enums import Channel, Nature, Role, Urgency
from hotline.seed.service import seed
from hotline.tickets.models import Ticket, TicketCreate
from hotline.tickets.service import create_ticket
from hotline.units.service import get_unit_by_code
from hotline.users.models import Actor

OPERATOR = Actor(user_id=None, role=Role.OPERATOR, name="operator")
DISPATCHER = Actor(user_id=None, role=Role.DISPATCHER, name="dispatcher")
SUPERVISOR = Actor(user_id=None, role=Role.SUPERVISOR, name="supervisor")
CHANNEL = Actor(user_id=None, role=Role.CHANNEL, name="网站留言")


def seeded(session: Session, now: datetime) -> None:
    """Units, categories and time limits, without demo users."""
    seed(session, now=now, demo=False)


def unit_actor(session: Session, code: str) -> Actor:
    unit = get_unit_by_code(session, code=code)
    return Actor(user_id=None, role=Role.UNIT, unit_id=unit.id, name=f"clerk of {code}")


def ticket_data(**overrides: object) -> TicketCreate:
    values: dict[str, object] = {
        "caller_name": "张三",
        "caller_phone": "13800138000",
        "who": "小区物业",
        "when": "昨晚十点",
        "address": "双清区龙须塘街道某小区3栋",
        "title": "小区夜间施工噪音扰民",
        "content": "连续一周晚上十点后还在施工，电钻声很大，老人小孩睡不着，希望尽快处理。",
        "nature": Nature.COMPLAINT,
        "urgency": Urgency.NORMAL,
        "district": "双清区",
        "channel": Channel.PHONE,
    }
    values.update(overrides)
    return TicketCreate.model_validate(values)


def make_ticket(session: Session, now: datetime, actor: Actor = OPERATOR, **overrides: object) -> Ticket:
    return create_ticket(session, data=ticket_data(**overrides), actor=actor, now=now)

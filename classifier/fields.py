"""五要素 from an operator's running notes: who, when, where, what, and what the caller asks.

Rules over the text as typed (no model: it runs on every pause in typing, well under a
millisecond). Each guess is only a suggestion: the seat marks it until the operator confirms it,
and never writes over a field the operator filled.
"""

import re
from dataclasses import dataclass
from typing import Final

from classifier.places import extract_place

_NUM: Final = r"[0-9一二三四五六七八九十两半]+"
WHEN: Final = re.compile(
    rf"(?:连续|已经|快)?{_NUM}(?:天|周|个星期|个月|年)(?:了|多|来|以来)?"
    rf"|(?:{_NUM}月{_NUM}[日号])(?:(?:早上|上午|中午|下午|晚上|凌晨|夜里)?{_NUM}点(?:半|多)?)?"
    rf"|(?:昨天|昨晚|今天|今早|今晚|前天|上周|本周|这周|上个月|这个月|最近|近期|近日|每天|每晚|每周|周末|天天)"
    rf"(?:早上|上午|中午|下午|晚上|凌晨|夜里)?(?:{_NUM}点(?:半|多)?(?:以后|之后|以前|左右)?)?"
    rf"|(?:早上|上午|中午|下午|晚上|凌晨|夜里|半夜){_NUM}点(?:半|多)?(?:以后|之后|以前|左右)?"
)
WHERE: Final = re.compile(
    r"[\u4e00-\u9fff0-9]{2,14}(?:小区|花园|公寓|大厦|市场|菜市场|学校|医院|广场|公园|村|社区|街道|路|街|巷|大道)"
    r"(?:[0-9一二三四五六七八九十]+(?:号|栋|幢|单元|楼|组|号楼))*"
)
WHO: Final = re.compile(
    r"(?:楼上|楼下|隔壁|对面|小区|附近)?(?:的)?[\u4e00-\u9fff]{0,6}?"
    r"(?:物业公司|物业|开发商|施工队|工地|烧烤店|饭店|餐馆|商户|商铺|摊贩|房东|老板|公司|厂|学校|医院|住户|业主|邻居)"
)
ASK: Final = re.compile(
    r"[^，。！？；,.!?;]*(?:希望|要求|请求|恳请|请你们|请尽快|能否|能不能|尽快|务必)[^，。！？；,.!?;]*"
)
LEADING: Final = re.compile(r"^(?:在|到|从|的|于|是|开始|还在|一直|就在|住在|去|来)+")
BARE: Final = frozenset(
    [
        "小区",
        "花园",
        "公寓",
        "大厦",
        "市场",
        "菜市场",
        "学校",
        "医院",
        "广场",
        "公园",
        "村",
        "社区",
        "街道",
        "路",
        "街",
        "巷",
        "大道",
    ]
)
CLAUSE: Final = re.compile(r"[^，。！？；,.!?;\n]+")
TITLE_MAX: Final = 30


@dataclass(frozen=True)
class FieldGuess:
    who: str = ""
    when: str = ""
    address: str = ""
    title: str = ""
    demand: str = ""
    district: str = ""
    street: str = ""


def _first(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text)
    return found.group(0).strip() if found else ""


def _title(text: str, demand: str) -> str:
    """The first clause that says what happened (not the ask, not a bare time or place)."""
    for found in CLAUSE.findall(text):
        clause: str = found.strip()
        if len(clause) < 4 or clause == demand or WHEN.fullmatch(clause) or WHERE.fullmatch(clause):
            continue
        return clause[:TITLE_MAX]
    return ""


def guess_fields(notes: str) -> FieldGuess:
    """What the notes say of each 要素; "" where they say nothing recognisable."""
    text = notes.strip()
    if not text:
        return FieldGuess()
    demand = _first(ASK, text)
    place = extract_place(text)
    when = _first(WHEN, text)
    # Each 要素 is looked for in what the others left: a time is no place, a place is nobody.
    rest = WHEN.sub("，", text)
    address = LEADING.sub("", _first(WHERE, rest))
    if address in BARE:  # "小区" alone names no place
        address = ""
    if address:
        rest = rest.replace(address, "，")
    who = LEADING.sub("", _first(WHO, rest))
    return FieldGuess(
        who=who,
        when=when,
        address=address,
        title=_title(text.replace(address, "") if address else text, demand),
        demand=demand,
        district=place.district or "",
        street=place.street or "",
    )

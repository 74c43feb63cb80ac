"""What a citizen writing in on their own must give: one rule for the public form, the mayor's
mailbox and Open311 (an operator's intake is not held to it: caller IDs and notes taken on the
phone come as they come).

A reply and the callback need a number that can be rung, and a one-word request cannot be
dispatched, so the rule asks for a mainland mobile or a landline with its area code, a title of a
few words and a content that says something.
"""

import re
import unicodedata
from typing import Final

from hotline.errors import InvalidInput

# 1[3-9] + 9 digits; or 0 + a 2–3 digit area code, an optional dash, 7–8 digits, an optional
# extension after a dash. Pages use PHONE_PATTERN as the input's ``pattern`` attribute.
PHONE_PATTERN: Final = r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?"
_PHONE: Final = re.compile(PHONE_PATTERN, re.ASCII)  # as in JavaScript: \d is 0-9 only
TITLE_MIN, TITLE_MAX = 4, 100
CONTENT_MIN, CONTENT_MAX = 10, 5000

PHONE_MISSING: Final = "请填写联系电话，以便答复和回访"
NAME_MISSING: Final = "请填写姓名（可只写姓氏，如 王先生）"
PHONE_INVALID: Final = (
    "请填写正确的联系电话：11 位手机号（如 13812345678）或带区号的固定电话（如 0739-5123456）"
)


def _length(value: str) -> int:
    return len(unicodedata.normalize("NFC", value).strip())


def _length_error(value: str, *, what: str, low: int, high: int) -> str | None:
    n = _length(value)
    if n < low:
        return f"{what}至少 {low} 个字" + (f"（现有 {n} 个字）" if n else "")
    if n > high:
        return f"{what}最多 {high} 个字（现有 {n} 个字）"
    return None


def phone_error(phone: str, *, required: bool = True) -> str | None:
    """The Chinese message for a number that cannot be rung back, or None when it is fine."""
    phone = phone.strip()
    if not phone:
        return PHONE_MISSING if required else None
    return None if _PHONE.fullmatch(phone) else PHONE_INVALID


def citizen_request_errors(
    *,
    caller_phone: str,
    content: str,
    title: str | None = None,
    caller_name: str | None = None,
    phone_required: bool = True,
) -> dict[str, str]:
    """Field name → Chinese message for each fault; empty when the request may be recorded.

    ``title`` and ``caller_name`` are None where the citizen gives none (Open311 derives the title
    and may send no name). Lengths count characters after trimming; HTML counts as the text it is.
    """
    found = {
        "caller_name": NAME_MISSING if caller_name is not None and not caller_name.strip() else None,
        "caller_phone": phone_error(caller_phone, required=phone_required),
        "title": None if title is None else _length_error(title, what="标题", low=TITLE_MIN, high=TITLE_MAX),
        "content": _length_error(content, what="诉求内容", low=CONTENT_MIN, high=CONTENT_MAX),
    }
    return {field: message for field, message in found.items() if message}


def check_citizen_request(
    *, caller_phone: str, content: str, title: str | None = None, phone_required: bool = True
) -> None:
    """Raise InvalidInput naming every fault (in Chinese) unless the request may be recorded."""
    errors = citizen_request_errors(
        caller_phone=caller_phone, content=content, title=title, phone_required=phone_required
    )
    if errors:
        raise InvalidInput("；".join(errors.values()))

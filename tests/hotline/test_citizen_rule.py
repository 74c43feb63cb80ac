"""The one rule a citizen's own request must meet (public form, mayor's mailbox, Open311)."""

import re
from typing import Any

import pytest

from hotline.errors import InvalidInput
from hotline.tickets.citizen import (
    PHONE_INVALID,
    PHONE_MISSING,
    PHONE_PATTERN,
    check_citizen_request,
    citizen_request_errors,
    phone_error,
)

GOOD_PHONES = [
    "13812345678",
    "19900001111",
    "0739-5123456",
    "07395123456",
    "010-12345678",
    "0739-5123456-801",
]
BAD_PHONES = ["12345", "12812345678", "1381234567", "138123456789", "739-5123456", "0739-51234", "110",
              "+8613812345678", "１３８１２３４５６７８", "0739-5123456-", "13812345678x"]  # fmt: skip


@pytest.mark.parametrize("phone", GOOD_PHONES)
def test_a_mobile_or_a_landline_with_its_area_code_is_a_phone(phone: str) -> None:
    assert phone_error(phone) is None
    assert phone_error(f"  {phone} ") is None  # as typed, with a space around
    assert re.fullmatch(PHONE_PATTERN, phone)  # the pages' pattern attribute agrees (JS: \d is 0-9)


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_anything_else_is_refused_in_chinese(phone: str) -> None:
    assert phone_error(phone) == PHONE_INVALID
    assert not re.fullmatch(PHONE_PATTERN, phone, re.ASCII)


def test_a_missing_phone_is_refused_unless_optional() -> None:
    assert phone_error(" ") == PHONE_MISSING
    assert phone_error("", required=False) is None
    assert phone_error("12345", required=False) == PHONE_INVALID  # optional, but if given it must ring


def test_title_and_content_lengths_count_trimmed_characters() -> None:
    ok: dict[str, Any] = {
        "caller_phone": "13812345678",
        "title": "路灯不亮",
        "content": "小区门口路灯坏了两周",
    }
    assert citizen_request_errors(**ok) == {}
    errors = citizen_request_errors(caller_phone="12345", title=" 灯 ", content="坏了         ")
    assert errors == {
        "caller_phone": PHONE_INVALID,
        "title": "标题至少 4 个字（现有 1 个字）",
        "content": "诉求内容至少 10 个字（现有 2 个字）",
    }
    too_long = citizen_request_errors(**{**ok, "title": "长" * 101, "content": "多" * 5001})
    assert too_long == {
        "title": "标题最多 100 个字（现有 101 个字）",
        "content": "诉求内容最多 5000 个字（现有 5001 个字）",
    }
    # HTML counts as the text it is, neither stripped nor refused
    assert citizen_request_errors(**{**ok, "content": "<script>alert(1)</script>"}) == {}
    # a title the citizen did not write (Open311) and an absent name are not checked
    assert citizen_request_errors(caller_phone="", content="电梯坏了一周没人修理", phone_required=False) == {}
    assert "caller_name" in citizen_request_errors(**ok, caller_name="  ")


def test_check_raises_every_fault_at_once() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_citizen_request(caller_phone="12345", title="a", content="b")
    message = str(raised.value)
    assert PHONE_INVALID in message and "标题至少" in message and "诉求内容至少" in message

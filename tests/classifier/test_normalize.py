import pytest

from classifier.errors import InvalidText
from classifier.normalize import (
    ID_MASK,
    NUMBER_MASK,
    PHONE_MASK,
    canonical,
    check_text,
    mask_numbers,
    normalize,
)


def test_full_width_becomes_half_width_and_lower_case() -> None:
    assert canonical("ＡＢＣ１２３，ＷｉＦｉ") == "abc123,wifi"


def test_traditional_becomes_simplified() -> None:
    assert canonical("燃氣費怎麼繳") == "燃气费怎么缴"


@pytest.mark.parametrize(
    ("text", "mask"),
    [
        ("我的电话13907391234请回电", PHONE_MASK),
        ("手机 139-0739-1234", PHONE_MASK),
        ("座机0739-5221234", PHONE_MASK),
        ("身份证430502199001011234", ID_MASK),
        ("身份证号43050219900101123X", ID_MASK),
        ("拖欠工资8000元", NUMBER_MASK),
        ("第3.5个月", NUMBER_MASK),
    ],
)
def test_numbers_are_masked(text: str, mask: str) -> None:
    masked = normalize(text)
    assert mask.strip() in masked.split()
    assert not any(ch.isdigit() for ch in masked)


def test_service_numbers_are_kept_as_words() -> None:
    assert "110" in mask_numbers("打了110没人管，又打12345")
    assert "12345" in mask_numbers("打了110没人管，又打12345")


def test_phone_and_id_never_become_features_of_the_same_text() -> None:
    assert normalize("张三13907391234反映") == normalize("张三18673961111反映")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("噪" * 100_000, "at most"),
        ("broken \ud800 text", "UTF-8"),
        (None, "expected text"),
        (b"bytes", "expected text"),
    ],
)
def test_bad_text_is_refused_clearly(value: object, message: str) -> None:
    with pytest.raises(InvalidText, match=message):
        check_text(value)


def test_good_text_is_stripped() -> None:
    assert check_text("  小区停水了  ") == "小区停水了"

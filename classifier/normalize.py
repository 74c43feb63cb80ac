"""Text checks and normalisation: one width, simplified script, and numbers masked out of the features."""

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Final

import zhconv

from classifier.errors import InvalidText

# The longest text classified, and the API's limit on it (web.schemas.ClassifyIn): what the seat
# sends, a ticket's title (200), content (5,000) and address (200) together, with room to spare.
MAX_CHARS: Final = 6000

# Numbers that mean something on their own: keep them as words.
SERVICE_NUMBERS: Final = frozenset({"110", "119", "120", "122", "12345", "12315", "12369", "12333", "12366"})

ID_MASK: Final = " idno "
PHONE_MASK: Final = " tel "
NUMBER_MASK: Final = " num "

_ID_NUMBER = re.compile(r"(?<![0-9a-z])(?:\d{17}[\dx]|\d{15})(?![0-9a-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[- ]\d{7,8}(?!\d)|(?<!\d)0739\d{7}(?!\d)")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:[.,]\d+)*(?![\d.])")
_SPACES = re.compile(r"\s+")


def check_text(text: object, *, max_chars: int = MAX_CHARS) -> str:
    """Return ``text`` stripped, or raise InvalidText saying what is wrong with it."""
    if not isinstance(text, str):
        raise InvalidText(f"expected text, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InvalidText(f"text is not valid UTF-8 (broken bytes at position {err.start})") from err
    text = text.strip()
    if not text:
        raise InvalidText("text is empty")
    if len(text) > max_chars:
        raise InvalidText(f"text has {len(text)} characters, at most {max_chars} allowed")
    return text


@cache
def _traditional_only() -> frozenset[str]:
    # zhconv's own loader leaves its table file open (a ResourceWarning); hand it the path instead.
    zhconv.loaddict(str(resources.files("zhconv").joinpath("zhcdict.json")))
    table: frozenset[str] = zhconv.zhconv.zhcdicts["TRADONLY"]
    return table


def canonical(text: str) -> str:
    """Half-width, simplified, lower-case text with single spaces: what every rule and feature reads."""
    text = unicodedata.normalize("NFKC", text)
    if not _traditional_only().isdisjoint(text):  # most tickets are simplified already: skip the slow path
        text = zhconv.convert(text, "zh-hans")
    return _SPACES.sub(" ", text.lower()).strip()


def _mask_number(match: re.Match[str]) -> str:
    digits = match.group(0)
    return digits if digits in SERVICE_NUMBERS else NUMBER_MASK


def mask_numbers(text: str) -> str:
    """Replace ID numbers, phone numbers and plain numbers by placeholders so they never become features."""
    text = _ID_NUMBER.sub(ID_MASK, text)
    text = _MOBILE.sub(PHONE_MASK, text)
    text = _LANDLINE.sub(PHONE_MASK, text)
    text = _NUMBER.sub(_mask_number, text)
    return _SPACES.sub(" ", text).strip()


def normalize(text: str) -> str:
    """The model's view of a text: canonical, with numbers masked."""
    return mask_numbers(canonical(text))


def normalize_all(texts: list[str]) -> list[str]:
    """:func:`normalize` of each text (a module-level function: worker processes receive it by name)."""
    return [normalize(text) for text in texts]

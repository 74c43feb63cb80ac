"""Validation of free text coming from callers, forms and files."""

import unicodedata

from hotline import names
from hotline.errors import InvalidInput

MAX_CONTENT_CHARS = 5000
MAX_LINE_CHARS = 200


def clean_text(value: str, *, field: str, max_len: int, allow_empty: bool = False) -> str:
    """Return ``value`` trimmed, or raise InvalidInput naming the field (in Chinese) and the fault.

    ``field`` is a field's code (``title``, named through ``hotline.names.FIELD``) or its Chinese
    name. Refuses text that cannot be valid Unicode (lone surrogates from broken UTF-8),
    control characters other than newlines and tabs, and text over ``max_len``.
    HTML is kept as written: it is the caller's words, escaped where it is shown.
    """
    label = names.FIELD.get(field, field)
    if not isinstance(value, str):
        raise InvalidInput(f"{label}应为文字")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InvalidInput(f"{label}含有无法识别的字符（第 {err.start + 1} 个字符）") from err
    value = unicodedata.normalize("NFC", value).strip()
    if not value and not allow_empty:
        raise InvalidInput(f"{label}不能为空")
    if len(value) > max_len:
        raise InvalidInput(f"{label}不能超过 {max_len} 个字符（现有 {len(value)} 个）")
    for char in value:
        if char not in "\n\t\r" and unicodedata.category(char) == "Cc":
            raise InvalidInput(f"{label}含有控制字符 U+{ord(char):04X}")
    return value

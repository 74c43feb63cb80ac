"""Cell values that a spreadsheet opens as text, never as a formula (CSV/formula injection).

Every export of the project (the report workbook, the training CSV) passes its cells through
``safe_cell``. It follows OWASP's CSV injection guidance: text that starts with ``= + - @``, a tab
or a carriage return, also after leading whitespace, gets a ``'`` in front, which spreadsheets
show and never evaluate. Real numbers stay numbers, and so does text that is a plain number.
"""

import re
from typing import Final, TypeVar

# OWASP's triggers, and as a precaution their full-width forms (a Chinese input method types those).
FORMULA_STARTS: Final = frozenset("=+-@\t\r＝＋－＠")
T = TypeVar("T")
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula (or a DDE call)."""
    if not text or _PLAIN_NUMBER.fullmatch(text.strip()):
        return False
    return text[0] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS


def safe_cell(value: T) -> T | str:
    """``value`` as an export should write it: risky text prefixed with ``'``, anything else unchanged."""
    if isinstance(value, str) and needs_guard(value):
        return "'" + value
    return value

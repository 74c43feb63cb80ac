"""Warn of ``HOTLINE_*`` environment names that no settings class reads.

pydantic-settings ignores unknown names (``extra="ignore"``), so a mistyped one leaves its setting
at the default without a word. The composition root hands in every package's settings classes
(the core imports none of them) and prints what :func:`unknown_settings` finds.
"""

import difflib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from pydantic import AliasChoices, AliasPath
from pydantic_settings import BaseSettings

PREFIX: Final = "HOTLINE_"
# Names that are not settings: read by the test suite and the benchmarks themselves.
NOT_SETTINGS: Final = ("HOTLINE_TEST_", "HOTLINE_BENCH_")
CLOSE_RATIO: Final = 0.75  # difflib's ratio for "did you mean"


@dataclass(frozen=True, slots=True)
class UnknownSetting:
    name: str
    closest: str | None  # the known name it most looks like, if any is close


def setting_names(settings_class: type[BaseSettings]) -> set[str]:
    """The environment names one settings class reads: prefix + field, and any alias it accepts."""
    prefix = str(settings_class.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, info in settings_class.model_fields.items():
        names.add((prefix + field_name).upper())
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        names.update(c.upper() for c in choices if isinstance(c, str))
        names.update(str(c.path[0]).upper() for c in choices if isinstance(c, AliasPath) and c.path)
        if info.alias:
            names.add(info.alias.upper())
    return names


def unknown_settings(
    classes: Iterable[type[BaseSettings]], environ: Mapping[str, str] | None = None
) -> list[UnknownSetting]:
    """The ``HOTLINE_*`` names in ``environ`` (default: the process's) that none of ``classes`` reads."""
    environ = os.environ if environ is None else environ
    known: set[str] = set()
    for settings_class in classes:
        known |= setting_names(settings_class)
    found = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper in known or upper.startswith(NOT_SETTINGS):
            continue
        closest = difflib.get_close_matches(upper, sorted(known), n=1, cutoff=CLOSE_RATIO)
        found.append(UnknownSetting(name, closest[0] if closest else None))
    return found


def warning_lines(unknown: Iterable[UnknownSetting]) -> list[str]:
    """One zh-CN line per unknown name, for stderr."""
    lines = []
    for item in unknown:
        hint = f"，是否应为 {item.closest}？" if item.closest else "。"
        lines.append(f"警告：环境变量 {item.name} 不是已知的设置，已被忽略{hint}")
    return lines

"""The model store: candidate models as version directories, one ``active`` pointer, promote and rollback.

Layout under the store directory (``HOTLINE_CLASSIFIER_STORE_DIR``, default ``var/models``)::

    versions/<version>/model.joblib, model_card.json, report.json
    active.json      {"version": ..., "history": [...], "switched_at": ..., "by": ...}

A version directory appears whole (written beside, then renamed). The pointer is replaced whole
(temporary file + ``os.replace``), so every process reading it sees the old or the new one, never
half. ``"version": null`` is the fallback model (the shipped one, or ``HOTLINE_CLASSIFIER_MODEL_DIR``),
which is also what an empty store serves. ``history`` holds the versions active before, newest
last: rollback goes back one step at a time.
"""

import fcntl
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from classifier.errors import ClassifierError
from classifier.model import CARD_FILE, MODEL_FILE, RoutingModel, load_model, save_model
from classifier.settings import ClassifierSettings

POINTER_FILE: Final = "active.json"
REPORT_FILE: Final = "report.json"
VERSIONS_DIR: Final = "versions"
HISTORY_KEPT: Final = 50
_VERSION = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{4}$")


class RegistryError(ClassifierError):
    """A store operation that cannot be done; the message is for the admin, in Chinese."""


class UnknownVersion(RegistryError, LookupError):
    """No version of that name in the store."""


class NothingToRollBack(RegistryError):
    """No earlier active version to go back to."""


@dataclass(frozen=True, slots=True)
class Pointer:
    """What ``active.json`` says: the active version (None: the fallback model) and those before it."""

    version: str | None = None
    history: tuple[str | None, ...] = ()
    switched_at: str = ""
    by: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "history": list(self.history),
            "switched_at": self.switched_at,
            "by": self.by,
        }


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One stored candidate and its held-out report."""

    version: str
    path: Path
    report: dict[str, Any] = field(default_factory=dict)
    active: bool = False


def new_version_name(now: datetime | None = None) -> str:
    """A sortable, unique name: UTC time to the second and four random hex digits."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class ModelRegistry:
    """The store in ``root``; ``fallback`` is the model directory served while nothing is promoted."""

    def __init__(self, root: Path, *, fallback: Path) -> None:
        self.root = root
        self.fallback = fallback

    @property
    def pointer_path(self) -> Path:
        return self.root / POINTER_FILE

    def version_dir(self, version: str) -> Path:
        """The directory of ``version``; a name that is not one of ours is refused (no path tricks)."""
        if not _VERSION.match(version):
            raise UnknownVersion(f"模型版本 {version!r} 不存在")
        return self.root / VERSIONS_DIR / version

    # Reading

    def pointer(self) -> Pointer:
        """The pointer as written; a missing or unreadable one is the fallback with no history."""
        try:
            raw = json.loads(self.pointer_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return Pointer()
        if not isinstance(raw, dict):
            return Pointer()
        version = raw.get("version")
        history = raw.get("history") or []
        return Pointer(
            version=version if isinstance(version, str) else None,
            history=tuple(v if isinstance(v, str) else None for v in history),
            switched_at=str(raw.get("switched_at") or ""),
            by=str(raw.get("by") or ""),
        )

    def token(self) -> str:
        """A cheap fingerprint of the pointer: it changes whenever the active model does."""
        try:
            return self.pointer_path.read_text(encoding="utf-8")
        except OSError:
            return ""

    def active_version(self) -> str | None:
        """The active version, or None when the fallback model is served (nothing promoted, or gone)."""
        version = self.pointer().version
        if version is None or not (self.version_dir(version) / MODEL_FILE).is_file():
            return None
        return version

    def active_dir(self) -> Path:
        """The model directory to serve now."""
        version = self.active_version()
        return self.fallback if version is None else self.version_dir(version)

    def versions(self) -> list[VersionInfo]:
        """Every stored version, newest first, with its report."""
        base = self.root / VERSIONS_DIR
        if not base.is_dir():
            return []
        active = self.active_version()
        found = [
            VersionInfo(p.name, p, _read_report(p), p.name == active)
            for p in base.iterdir()
            if _VERSION.match(p.name) and (p / MODEL_FILE).is_file()
        ]
        return sorted(found, key=lambda v: v.version, reverse=True)

    def get(self, version: str) -> VersionInfo:
        path = self.version_dir(version)
        if not (path / MODEL_FILE).is_file():
            raise UnknownVersion(f"模型版本 {version} 不存在")
        return VersionInfo(version, path, _read_report(path), version == self.active_version())

    # Writing

    def add_version(
        self,
        model: RoutingModel,
        *,
        report: dict[str, Any],
        data_sha256: str,
        metrics: dict[str, Any],
        training_rows: int,
        source: str,
        now: datetime | None = None,
    ) -> VersionInfo:
        """Save a candidate (not active) as a new version; it appears whole or not at all."""
        version = new_version_name(now)
        base = self.root / VERSIONS_DIR
        base.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=base, prefix=f".{version}-"))
        try:
            save_model(
                model,
                staging,
                data_sha256=data_sha256,
                metrics=metrics,
                training_rows=training_rows,
                source=source,
                extra={"version": version},
            )
            full = {"version": version, **report}
            (staging / REPORT_FILE).write_text(
                json.dumps(full, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            staging.chmod(0o755)  # mkdtemp makes it private; every worker of the app reads it
            os.rename(staging, base / version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return VersionInfo(version, base / version, full, False)

    def promote(self, version: str, *, by: str = "", now: datetime | None = None) -> Pointer:
        """Make ``version`` the active model; the one active before goes onto the history."""
        path = self.get(version).path
        load_model(path)  # a model that cannot be loaded is never made active
        with self._locked():
            current = self.pointer()
            if current.version == version and (path / MODEL_FILE).is_file():
                return current
            history = (*current.history, self.active_version())[-HISTORY_KEPT:]
            pointer = Pointer(version, history, _stamp(now), by)
            self._write_pointer(pointer)
        return pointer

    def rollback(self, *, by: str = "", now: datetime | None = None) -> Pointer:
        """Go back to the version active before this one (None: the fallback model)."""
        with self._locked():
            current = self.pointer()
            history = list(current.history)
            while history:
                previous = history.pop()
                if previous is None or (self.version_dir(previous) / MODEL_FILE).is_file():
                    pointer = Pointer(previous, tuple(history), _stamp(now), by)
                    self._write_pointer(pointer)
                    return pointer
        raise NothingToRollBack("没有可回退的上一个模型版本")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer of the pointer at a time, across the app's worker processes and the CLI."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write_pointer(self, pointer: Pointer) -> None:
        text = json.dumps(pointer.as_dict(), ensure_ascii=False, indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{POINTER_FILE}", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.pointer_path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def _read_report(path: Path) -> dict[str, Any]:
    """The version's report, else what its model card says, else nothing."""
    for name in (REPORT_FILE, CARD_FILE):
        try:
            found = json.loads((path / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(found, dict):
            return found
    return {}


def registry_from_settings(settings: ClassifierSettings | None = None) -> ModelRegistry:
    """The configured store, falling back to the configured (or shipped) model directory."""
    settings = settings or ClassifierSettings()
    return ModelRegistry(settings.store_dir, fallback=settings.resolved_model_dir())

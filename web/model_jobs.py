"""The retrain job: the database's closed tickets and corrections → a candidate in the model store.

The admin screen starts it in a background thread of the worker that got the request; its state
lives in ``job.json`` in the store, so every worker (and the CLI) sees the same job, and a lock
file (``flock``) lets only one run at a time across processes. A worker that dies mid-job drops
its lock: the state then reads as interrupted.
"""

import dataclasses
import fcntl
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from classifier.dataset import Correction
from classifier.errors import ClassifierError
from classifier.model import ModelConfig
from classifier.registry import ModelRegistry, VersionInfo
from classifier.retrain import MIN_CLASSES, MIN_ROWS, Progress, TicketRow, build_training_set, train_candidate
from hotline.errors import Conflict
from hotline.tickets.training import closed_examples, dispatch_corrections, unit_names

log = logging.getLogger(__name__)
JOB_FILE = "job.json"
LOCK_FILE = "job.lock"


class JobStatus(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class JobState(BaseModel):
    """The last (or current) retrain job as every worker sees it."""

    status: JobStatus = JobStatus.IDLE
    stage: str = ""
    progress: float = 0.0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    by: str = ""
    version: str | None = None
    error: str = ""


def retrain_from_database(
    engine: Engine,
    registry: ModelRegistry,
    *,
    by: str = "",
    config: ModelConfig | None = None,
    seed: int = 0,
    min_rows: int = MIN_ROWS,
    min_classes: int = MIN_CLASSES,
    progress: Callable[[str, float], None] | None = None,
) -> VersionInfo:
    """Read the history, train, save a candidate; raises InvalidDataset when there is too little."""
    report: Progress = progress or (lambda stage, fraction: None)
    report("读取已办结工单和改派记录", 0.02)
    with Session(engine) as session:
        closed = [TicketRow(r.text, r.unit_code, r.category_code) for r in closed_examples(session)]
        fixes = [Correction(c.text, c.suggested_code, c.chosen_code) for c in dispatch_corrections(session)]
        names = unit_names(session)
    training = build_training_set(closed, fixes)
    return train_candidate(
        training,
        registry,
        unit_names=names,
        config=config,
        seed=seed,
        created_by=by,
        min_rows=min_rows,
        min_classes=min_classes,
        progress=report,
    )


class RetrainJobs:
    """Starts the retrain job in a thread, one at a time across the app's processes."""

    def __init__(
        self,
        registry: ModelRegistry,
        engine: Engine,
        *,
        config: ModelConfig | None = None,
        min_rows: int = MIN_ROWS,
        min_classes: int = MIN_CLASSES,
    ) -> None:
        self.registry = registry
        self.engine = engine
        # One process: forking jieba workers from a threaded server is not safe.
        self.config = dataclasses.replace(config or ModelConfig(), n_jobs=1)
        self.min_rows = min_rows
        self.min_classes = min_classes
        self.thread: threading.Thread | None = None

    @property
    def _state_path(self) -> Path:
        return self.registry.root / JOB_FILE

    def state(self) -> JobState:
        """The job as written; one marked running whose lock is free was cut off (its worker died)."""
        try:
            state = JobState.model_validate_json(self._state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return JobState()
        if state.status is JobStatus.RUNNING and not self._held_elsewhere():
            return state.model_copy(update={"status": JobStatus.INTERRUPTED, "error": "训练进程已中断"})
        return state

    def start(self, *, by: str) -> JobState:
        """Start a job; Conflict when one is running (here or in another worker)."""
        self.registry.root.mkdir(parents=True, exist_ok=True)
        lock = (self.registry.root / LOCK_FILE).open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise Conflict("已有一个模型训练任务在进行，请等它结束后再开始") from None
        state = JobState(status=JobStatus.RUNNING, stage="排队", started_at=_now(), by=by)
        self._write(state)
        self.thread = threading.Thread(target=self._run, args=(lock, state), name="retrain", daemon=True)
        self.thread.start()
        return state

    def _run(self, lock: IO[str], state: JobState) -> None:
        def progress(stage: str, fraction: float) -> None:
            self._write(state.model_copy(update={"stage": stage, "progress": round(fraction, 2)}))

        try:
            info = retrain_from_database(
                self.engine,
                self.registry,
                by=state.by,
                config=self.config,
                min_rows=self.min_rows,
                min_classes=self.min_classes,
                progress=progress,
            )
            done = state.model_copy(
                update={
                    "status": JobStatus.SUCCEEDED,
                    "stage": "完成",
                    "progress": 1.0,
                    "version": info.version,
                    "finished_at": _now(),
                }
            )
        except ClassifierError as err:
            done = _failed(state, str(err))
        except Exception as err:  # the thread must leave a state behind, whatever went wrong
            log.exception("retrain job failed")
            done = _failed(state, f"训练失败：{type(err).__name__}")
        try:
            self._write(done)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()

    def _held_elsewhere(self) -> bool:
        path = self.registry.root / LOCK_FILE
        if not path.exists():
            return False
        with path.open("a") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(probe, fcntl.LOCK_UN)
            return False

    def _write(self, state: JobState) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.registry.root, prefix=f".{JOB_FILE}", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(state.model_dump_json())
            os.chmod(tmp, 0o644)
            os.replace(tmp, self._state_path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _failed(state: JobState, error: str) -> JobState:
    update: dict[str, Any] = {"status": JobStatus.FAILED, "error": error, "finished_at": _now()}
    return state.model_copy(update=update)


def _now() -> datetime:
    return datetime.now(UTC)

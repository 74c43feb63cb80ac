"""分派模型 API: admin only, audited; a retrain in the background writes a candidate with its
held-out report; after promote the running app (and another worker) answers with the new model,
after rollback with the old one, without a restart."""

import fcntl
import time
from pathlib import Path
from typing import Any

from sqlmodel import select

from classifier.model import ModelConfig
from classifier.registry import ModelRegistry
from classifier.settings import SHIPPED_MODEL_DIR
from hotline.audit.models import AuditEntry
from tests.web.conftest import TestClient, World, now_at_start
from tests.web.model_history import KEYWORD_TEXT, KEYWORD_UNIT, add_history
from web.model_jobs import LOCK_FILE, RetrainJobs
from web.model_reload import LiveClassifier
from web.routers.admin.models import JOBS_KEY, REGISTRY_KEY

SMALL = ModelConfig(char_max_features=3000, word_max_features=1500, calibration_samples=1000, n_jobs=1)


def live_world(world: World, root: Path, *, min_rows: int = 50) -> LiveClassifier:
    """The world's app serving the store's active model (shipped while nothing is promoted)."""
    registry = ModelRegistry(root, fallback=SHIPPED_MODEL_DIR)
    services = world.app.state.services
    live = LiveClassifier(registry, check_every_s=3600)  # only the promote route's refresh switches it
    services.classifier = live
    services.extras[REGISTRY_KEY] = registry
    services.extras[JOBS_KEY] = RetrainJobs(registry, world.engine, config=SMALL, min_rows=min_rows)
    return live


def wait_job(admin: TestClient, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = admin.get("/api/admin/models/job").json()
        if job["status"] != "running":
            return job
        time.sleep(0.2)
    raise AssertionError("the retrain job did not end")


def top_unit(client: TestClient, text: str = KEYWORD_TEXT) -> str:
    response = client.post("/api/assist/suggest", json={"text": text})
    assert response.status_code == 200, response.text
    code: str = response.json()["units"][0]["unit_code"]
    return code


def actions(world: World) -> list[str]:
    with world.session() as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.target_kind == "model")).all()
        return [r.action for r in sorted(rows, key=lambda r: r.id or 0)]


def test_other_roles_are_refused(world: World, tmp_path: Path) -> None:
    live_world(world, tmp_path / "models")
    for username in ("operator1", "dispatcher", "supervisor", "unit_urban"):
        client = world.login(username)
        assert client.get("/api/admin/models").status_code == 403
        assert client.post("/api/admin/models/retrain").status_code == 403
        assert client.post("/api/admin/models/rollback").status_code == 403
        assert client.post("/api/admin/models/20260101-000000-abcd/promote").status_code == 403
    assert TestClient(world.app).get("/api/admin/models").status_code == 401
    assert actions(world) == []


def test_retrain_promote_rollback_switch_the_running_model(any_world: World, tmp_path: Path) -> None:
    world = any_world
    live = live_world(world, tmp_path / "models")
    admin, operator = world.login("admin"), world.login("operator1")
    shipped_answer = top_unit(operator)
    assert shipped_answer != KEYWORD_UNIT
    with world.session() as session:
        rows = add_history(session, now_at_start())
    started = admin.post("/api/admin/models/retrain")
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "running"
    job = wait_job(admin)
    assert job["status"] == "succeeded", job
    listed = admin.get("/api/admin/models").json()
    assert listed["active_version"] is None and listed["active_label"] == "随系统发布的模型"
    assert not listed["can_rollback"]
    [item] = listed["versions"]
    assert item["version"] == job["version"] and not item["active"]
    report = item["report"]
    assert report["n_rows"] == rows and report["n_train"] + report["n_test"] == rows
    assert report["n_closed"] == rows and report["classes"] == 6
    assert (
        0 < report["candidate"]["macro_f1"] <= 1
        and report["candidate"]["top3"] >= report["candidate"]["top1"]
    )
    assert report["active"]["version"] is None and report["active"]["rows"] == report["n_test"]
    assert {c["label"] for c in report["candidate"]["per_class"]} >= {KEYWORD_UNIT, "urban"}
    # Still the shipped model until an admin promotes.
    assert top_unit(operator) == shipped_answer
    promoted = admin.post(f"/api/admin/models/{item['version']}/promote")
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["active_version"] == item["version"] and promoted.json()["can_rollback"]
    assert top_unit(operator) == KEYWORD_UNIT  # the next request, no restart
    assert live.version == item["version"]
    # Another worker of the same deployment follows the pointer file on its own.
    other = LiveClassifier(live.registry, check_every_s=0)
    assert other.suggest(KEYWORD_TEXT).units[0].unit_code == KEYWORD_UNIT
    rolled = admin.post("/api/admin/models/rollback")
    assert rolled.status_code == 200 and rolled.json()["active_version"] is None
    assert top_unit(operator) == shipped_answer
    assert other.suggest(KEYWORD_TEXT).units[0].unit_code == shipped_answer
    again = admin.post("/api/admin/models/rollback")
    assert again.status_code == 409 and "没有可回退" in again.json()["detail"]
    assert admin.post("/api/admin/models/20260101-000000-abcd/promote").status_code == 404
    assert actions(world) == ["model.retrain", "model.promote", "model.rollback"]


def test_too_few_closed_tickets_fail_the_job_in_words(world: World, tmp_path: Path) -> None:
    live_world(world, tmp_path / "models")
    admin = world.login("admin")
    assert admin.post("/api/admin/models/retrain").status_code == 202
    job = wait_job(admin)
    assert job["status"] == "failed" and "已办结工单太少" in job["error"], job
    assert admin.get("/api/admin/models").json()["versions"] == []


def test_one_job_at_a_time_across_workers(world: World, tmp_path: Path) -> None:
    live_world(world, tmp_path / "models")
    admin = world.login("admin")
    root = tmp_path / "models"
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK_FILE).open("a") as held:  # another worker's job holds the lock
        fcntl.flock(held, fcntl.LOCK_EX)
        refused = admin.post("/api/admin/models/retrain")
        assert refused.status_code == 409 and "已有一个模型训练任务" in refused.json()["detail"]
    assert actions(world) == []


def test_a_store_that_cannot_be_written_is_a_conflict_in_words(world: World, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the store should be")
    live_world(world, blocker / "models")
    admin = world.login("admin")
    refused = admin.post("/api/admin/models/retrain")
    assert refused.status_code == 409 and "模型库目录" in refused.json()["detail"]
    assert admin.get("/api/admin/models").json()["versions"] == []

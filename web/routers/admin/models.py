"""分派模型: retrain the routing model from the city's own tickets, read its report, promote, roll back.

Training runs in a background thread (web/model_jobs.py), never in the request; promote and
rollback switch the store's pointer, which every worker follows within seconds (web/model_reload.py).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlmodel import Session

from classifier.errors import ClassifierError, IncompatibleModel, ModelNotFound
from classifier.registry import ModelRegistry, Pointer, UnknownVersion, VersionInfo, registry_from_settings
from hotline.errors import Conflict, NotFound
from hotline.users.models import Actor
from web.deps import AdminActor, AppServices, NowDep, ServicesDep, SessionDep
from web.model_jobs import JobState, RetrainJobs
from web.model_reload import LiveClassifier
from web.routers.admin.common import audited
from web.routers.common import api_router

router = api_router("admin")
SHIPPED = "随系统发布的模型"
REGISTRY_KEY = "model_registry"
JOBS_KEY = "model_jobs"


def get_registry(services: ServicesDep) -> ModelRegistry:
    """The store: the live classifier's own, else the configured one (made once per app)."""
    if isinstance(services.classifier, LiveClassifier):
        services.extras.setdefault(REGISTRY_KEY, services.classifier.registry)
    found = services.extras.setdefault(REGISTRY_KEY, registry_from_settings())
    assert isinstance(found, ModelRegistry)
    return found


RegistryDep = Annotated[ModelRegistry, Depends(get_registry)]


def get_jobs(services: ServicesDep, registry: RegistryDep) -> RetrainJobs:
    found = services.extras.setdefault(JOBS_KEY, RetrainJobs(registry, services.engine))
    assert isinstance(found, RetrainJobs)
    return found


JobsDep = Annotated[RetrainJobs, Depends(get_jobs)]


class ModelVersionView(BaseModel):
    version: str
    active: bool
    report: dict[str, Any]


class ModelsView(BaseModel):
    active_version: str | None
    active_label: str
    can_rollback: bool
    versions: list[ModelVersionView]
    job: JobState


def _view(info: VersionInfo) -> ModelVersionView:
    return ModelVersionView(version=info.version, active=info.active, report=info.report)


def _refresh(services: Any) -> None:
    """This worker switches at once; the others at their next pointer check."""
    if isinstance(services.classifier, LiveClassifier):
        services.classifier.refresh()


def _translated(err: ClassifierError) -> Exception:
    if isinstance(err, UnknownVersion):
        return NotFound(str(err))
    if isinstance(err, IncompatibleModel | ModelNotFound):
        return Conflict(f"该版本的模型文件无法加载，不能启用：{err}")
    return Conflict(str(err))


def _unwritable(registry: ModelRegistry, err: OSError) -> Conflict:
    return Conflict(
        f"模型库目录 {registry.root} 无法写入（{err.strerror or err}），请检查 HOTLINE_CLASSIFIER_STORE_DIR"
    )


@router.get("/api/admin/models", summary="Stored routing models with their held-out reports (admin)")
def models_list(actor: AdminActor, registry: RegistryDep, jobs: JobsDep) -> ModelsView:
    active = registry.active_version()
    return ModelsView(
        active_version=active,
        active_label=active or SHIPPED,
        can_rollback=bool(registry.pointer().history),
        versions=[_view(v) for v in registry.versions()],
        job=jobs.state(),
    )


@router.get("/api/admin/models/job", summary="The retrain job's state and progress (admin)")
def models_job(actor: AdminActor, jobs: JobsDep) -> JobState:
    return jobs.state()


@router.post(
    "/api/admin/models/retrain", status_code=202, summary="Start a retrain in the background (admin)"
)
def models_retrain(
    request: Request, actor: AdminActor, session: SessionDep, now: NowDep, jobs: JobsDep
) -> JobState:
    try:
        state = jobs.start(by=actor.name or str(actor.user_id))
    except OSError as err:
        raise _unwritable(jobs.registry, err) from err
    audited(
        session,
        request,
        actor=actor,
        action="model.retrain",
        at=now,
        target_kind="model",
        target_label="新训练任务",
    )
    return state


@router.post("/api/admin/models/{version}/promote", summary="Make a stored version the active model (admin)")
def models_promote(
    version: str,
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    now: NowDep,
    registry: RegistryDep,
    services: ServicesDep,
) -> ModelsView:
    def move() -> Pointer:
        return registry.promote(version, by=actor.name, now=now)

    return _switch(move, "model.promote", request, actor, session, now, registry, services)


@router.post("/api/admin/models/rollback", summary="Go back to the model active before this one (admin)")
def models_rollback(
    request: Request,
    actor: AdminActor,
    session: SessionDep,
    now: NowDep,
    registry: RegistryDep,
    services: ServicesDep,
) -> ModelsView:
    def move() -> Pointer:
        return registry.rollback(by=actor.name, now=now)

    return _switch(move, "model.rollback", request, actor, session, now, registry, services)


def _switch(
    move: Callable[[], Pointer],
    action: str,
    request: Request,
    actor: Actor,
    session: Session,
    now: datetime,
    registry: ModelRegistry,
    services: AppServices,
) -> ModelsView:
    """Move the store's pointer, make this worker follow it now, and put it on the audit trail."""
    before = registry.active_version()
    try:
        pointer = move()
    except ClassifierError as err:
        raise _translated(err) from err
    except OSError as err:
        raise _unwritable(registry, err) from err
    _refresh(services)
    audited(
        session,
        request,
        actor=actor,
        action=action,
        at=now,
        target_kind="model",
        target_id=pointer.version or "",
        target_label=pointer.version or SHIPPED,
        before={"version": before or SHIPPED},
        after={"version": pointer.version or SHIPPED},
    )
    return models_list(actor, registry, get_jobs(services, registry))

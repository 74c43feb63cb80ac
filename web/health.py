"""Probes: ``/healthz`` (the process is alive) and ``/readyz`` (it can reach its database now)."""

import anyio
from anyio import to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from web.deps import AppServices
from web.errors import DB_UNAVAILABLE, RETRY_AFTER_S, ErrorBody


def _select_one(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def database_reachable(engine: Engine, *, timeout_s: float) -> bool:
    """Whether ``SELECT 1`` comes back within ``timeout_s``.

    The thread is abandoned at the timeout, not waited for: a server that takes the connection
    and never answers would hold it until the operating system gives up on the socket.
    """
    try:
        with anyio.fail_after(timeout_s):
            await to_thread.run_sync(_select_one, engine, abandon_on_cancel=True)
    except Exception:
        return False
    return True


def install(app: FastAPI, services: AppServices) -> None:
    """Liveness for a restart policy, readiness for a load balancer: a database outage must take
    the process out of rotation, not get it restarted."""

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "hub": services.hub.backend}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        if await database_reachable(services.engine, timeout_s=services.web.ready_timeout_s):
            return JSONResponse({"status": "ok", "database": "ok", "hub": services.hub.backend})
        body = ErrorBody(error="DatabaseUnavailable", detail=DB_UNAVAILABLE)  # as the API's 503
        return JSONResponse(body.model_dump(), 503, headers={"Retry-After": str(RETRY_AFTER_S)})

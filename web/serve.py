"""Starting the server for `hotline serve` and `hotline demo`."""

import typer
import uvicorn

from hotline.clock import SystemClock
from hotline.config import Settings
from hotline.db import make_engine, session_scope
from hotline.migrate import upgrade
from hotline.seed.data import DEMO_PASSWORD, DEMO_USERS
from hotline.seed.service import seed
from web import labels
from web.app import create_app
from web.config import WebSettings
from web.logs import setup_logging


def demo_banner(url: str) -> str:
    """What `hotline demo` prints: where to go and who to log in as."""
    lines = [
        "",
        "12345 热线演示已启动 (demo running, calls simulated)",
        f"  打开 open:      {url}",
        f"  大屏 wallboard: {url}/wallboard   (supervisor)",
        f"  市民留言 public form: {url}/public",
        f"  API docs:       {url}/docs",
        f"  密码 password (all users): {DEMO_PASSWORD}",
        "  用户 users:",
    ]
    for username, display, role, unit in DEMO_USERS:
        lines.append(f"    {username:<16} {labels.ROLE[role]:<6} {display}{'' if not unit else f' ({unit})'}")
    lines.append("  Ctrl+C 停止 stop")
    return "\n".join(lines)


def workers_problem(web: WebSettings, workers: int) -> str | None:
    """Why this configuration cannot run several worker processes, or None when it can."""
    if workers == 1:
        return None
    if web.simulator:
        return "the call simulator (the demo) runs in one worker only"
    if not web.redis_url:
        return "several workers need HOTLINE_REDIS_URL: live pages hear events from every worker through it"
    if not web.secret_key.get_secret_value():
        return "several workers need HOTLINE_WEB_SECRET_KEY: each would sign sessions with its own random key"
    return None


def serve_app(
    *, host: str | None, port: int | None, proxy_headers: bool, demo: bool, workers: int = 1
) -> None:
    settings = Settings()
    web = WebSettings()
    updates: dict[str, object] = {}
    if host:
        updates["host"] = host
    if port is not None:
        updates["port"] = port
    if demo:
        updates["simulator"] = True
    web = web.model_copy(update=updates)
    problem = workers_problem(web, workers)
    if problem:
        raise typer.BadParameter(problem, param_hint="--workers")
    engine = None  # create_app makes it; workers each build their own
    if demo:
        engine = make_engine(settings.database_url, echo=settings.echo_sql)
        upgrade(engine)
        with session_scope(engine) as session:
            report = seed(session, now=SystemClock().now(), demo=True)
        added = ", ".join(f"{n} {what}" for what, n in report.added.items()) or "nothing new"
        typer.echo(f"database {engine.url.render_as_string(hide_password=True)}: migrated, seeded ({added})")
        typer.echo(demo_banner(f"http://{web.host}:{web.port}"))
    log_config = setup_logging()
    if workers > 1:
        # Each worker process builds its own app from the same environment; they share the
        # database and Redis, and the kernel spreads connections over them.
        uvicorn.run(
            "web.app:create_app",
            factory=True,
            host=web.host,
            port=web.port,
            proxy_headers=proxy_headers,
            log_config=log_config,
            workers=workers,
            ws_max_size=web.ws_max_message_bytes,
        )
        return
    app = create_app(settings, web=web, engine=engine)
    uvicorn.run(
        app,
        host=web.host,
        port=web.port,
        proxy_headers=proxy_headers,
        log_config=log_config,
        ws_max_size=web.ws_max_message_bytes,
    )

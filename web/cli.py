"""The `hotline` console script: the composition root that mounts every package's commands."""

from typing import Annotated

import typer

from classifier.cli import app as classifier_app
from classifier.settings import ClassifierSettings
from hotline.cli import day_command, db_app, seed_command, tickets_app
from hotline.config import Settings
from hotline.settings_check import unknown_settings, warning_lines
from telephony.config import AmiSettings
from web.cli_calendar import calendar_app
from web.cli_calls import ami_app, calls_app, simulate
from web.cli_models import mount as mount_model_commands
from web.cli_seats import seats_app
from web.cli_users import users_app
from web.config import WebSettings
from web.logs import LogSettings

app = typer.Typer(help="12345 政务服务便民热线 — contact centre and dispatch.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tickets_app, name="tickets")
app.command("seed")(seed_command)
app.command("day")(day_command)
mount_model_commands(classifier_app)  # retrain/models/promote/rollback need the database
app.add_typer(classifier_app, name="classifier")
app.add_typer(ami_app, name="ami")
app.add_typer(calls_app, name="calls")
app.command("simulate")(simulate)
app.add_typer(calendar_app, name="calendar")
app.add_typer(users_app, name="users")
app.add_typer(seats_app, name="seats")


@app.callback()
def check_settings() -> None:
    # Before any command: a mistyped HOTLINE_* name is otherwise ignored without a word.
    for line in warning_lines(
        unknown_settings([Settings, WebSettings, LogSettings, ClassifierSettings, AmiSettings])
    ):
        typer.echo(line, err=True)


Host = Annotated[str | None, typer.Option(help="address to listen on (default HOTLINE_WEB_HOST, 127.0.0.1)")]
Port = Annotated[int | None, typer.Option(help="port (default HOTLINE_WEB_PORT, 8000)")]


@app.command("serve")
def serve(
    host: Host = None,
    port: Port = None,
    proxy_headers: Annotated[
        bool, typer.Option(help="trust X-Forwarded-* from the proxy that terminates TLS (Secure cookies)")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="worker processes (one per core); more than one needs HOTLINE_REDIS_URL and a secret key",
        ),
    ] = 1,
) -> None:
    """Run the web app (see docs/web.md for running several workers)."""
    from web.serve import serve_app

    serve_app(host=host, port=port, proxy_headers=proxy_headers, demo=False, workers=workers)


@app.command("demo")
def demo(host: Host = None, port: Port = None) -> None:
    """Migrate and seed the SQLite demo database, run the server with the call simulator, print logins."""
    from web.serve import serve_app

    serve_app(host=host, port=port, proxy_headers=False, demo=True)


if __name__ == "__main__":
    app()

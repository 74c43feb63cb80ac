"""The `hotline` console script: the composition root that mounts every package's commands."""

import typer

from hotline.cli import day_command, db_app, seed_command, tickets_app

app = typer.Typer(help="12345 政务服务便民热线 — contact centre and dispatch.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tickets_app, name="tickets")
app.command("seed")(seed_command)
app.command("day")(day_command)


if __name__ == "__main__":
    app()

"""`hotline classifier retrain | models | promote | rollback`: the model store from the command line.

``retrain`` reads the configured database (closed tickets, dispatcher corrections), so it lives in
the composition root; the commands join the classifier's own (``train``, ``evaluate``). Running
servers pick up a promoted model within seconds (web/model_reload.py), no restart.
"""

import getpass
from typing import Annotated, Any

import typer

from classifier.errors import ClassifierError
from classifier.model import ModelConfig
from classifier.registry import ModelRegistry, VersionInfo, registry_from_settings
from classifier.retrain import MIN_CLASSES, MIN_ROWS
from web.cli_admin import admin_database, refuse
from web.model_jobs import retrain_from_database


def _registry() -> ModelRegistry:
    return registry_from_settings()


def _pct(figures: dict[str, Any] | None, key: str) -> str:
    if not figures or key not in figures:
        return "—"
    return f"{100 * float(figures[key]):.1f}%"


def _describe(info: VersionInfo) -> str:
    report = info.report
    cand, active = report.get("candidate"), report.get("active")
    mark = "* " if info.active else "  "
    line = (
        f"{mark}{info.version}  macro-F1 {_pct(cand, 'macro_f1')}  top-1 {_pct(cand, 'top1')}"
        f"  top-3 {_pct(cand, 'top3')}  训练 {report.get('n_train', '?')} / 留出 {report.get('n_test', '?')}"
    )
    if active:
        line += (
            f"  （当时在用的模型，同一留出集：top-1 {_pct(active, 'top1')}，"
            f"macro-F1 {_pct(active, 'macro_f1')}）"
        )
    return line


def retrain(
    seed: Annotated[int, typer.Option(help="seed of the stratified held-out split")] = 0,
    min_rows: Annotated[int, typer.Option(help="refuse with fewer usable tickets than this")] = MIN_ROWS,
    min_classes: Annotated[
        int, typer.Option(help="refuse with fewer units having at least 3 tickets")
    ] = MIN_CLASSES,
) -> None:
    """Train a candidate from the database's closed tickets and corrections; print its held-out report."""
    registry = _registry()
    with admin_database() as engine:
        try:
            info = retrain_from_database(
                engine,
                registry,
                by=f"cli:{getpass.getuser()}",
                config=ModelConfig(),
                seed=seed,
                min_rows=min_rows,
                min_classes=min_classes,
                progress=lambda stage, fraction: typer.echo(f"[{fraction:4.0%}] {stage}"),
            )
        except ClassifierError as err:
            refuse(str(err))
    report = info.report
    typer.echo(
        f"候选模型 {info.version}：已办结工单 {report['n_closed']} 条，"
        f"改派记录 {report['n_corrections']} 条，{report['classes']} 个单位"
    )
    typer.echo(_describe(info).strip())
    typer.echo(f"确认后启用：hotline classifier promote {info.version}")


def models() -> None:
    """List the stored versions, newest first; * marks the active one."""
    registry = _registry()
    found = registry.versions()
    active = registry.active_version()
    typer.echo(f"模型库 {registry.root}：在用 {active or '随系统发布的模型'}")
    if not found:
        typer.echo("（还没有训练过的候选模型）")
    for info in found:
        typer.echo(_describe(info))


def promote(version: Annotated[str, typer.Argument(help="the version to make active")]) -> None:
    """Make VERSION the active model; running servers switch to it within seconds."""
    try:
        pointer = _registry().promote(version, by=f"cli:{getpass.getuser()}")
    except ClassifierError as err:
        refuse(str(err))
    typer.echo(f"已启用模型 {pointer.version}")


def rollback() -> None:
    """Go back to the model active before the current one."""
    try:
        pointer = _registry().rollback(by=f"cli:{getpass.getuser()}")
    except ClassifierError as err:
        refuse(str(err))
    typer.echo(f"已回退到 {pointer.version or '随系统发布的模型'}")


def mount(app: typer.Typer) -> None:
    """Add these commands to the classifier's command group."""
    app.command("retrain")(retrain)
    app.command("models")(models)
    app.command("promote")(promote)
    app.command("rollback")(rollback)

"""``hotline classifier ...``: retrain from a city's closed tickets, evaluate on any labelled file.

The composition root mounts ``app``; ``python -m classifier.cli`` runs it alone.
"""

from pathlib import Path
from typing import Annotated

import typer

from classifier.errors import ClassifierError
from classifier.evaluate import evaluate_file, format_report
from classifier.labels import CATEGORIES, ROUTABLE_UNITS
from classifier.model import load_model
from classifier.settings import ClassifierSettings, mistyped_settings
from classifier.train import train_file

app = typer.Typer(
    help="Routing classifier: train from closed tickets, evaluate on labelled files.", no_args_is_help=True
)

FileArg = Annotated[
    Path, typer.Argument(help="CSV (UTF-8) or XLSX file with a header row", show_default=False)
]


def _fail(err: ClassifierError) -> typer.Exit:
    """One line on stderr and exit code 2: bad input is the user's to fix, not a traceback."""
    typer.echo(f"错误 error: {' '.join(str(err).split())}", err=True)
    return typer.Exit(code=2)


def _allowed(value: str | None) -> list[str] | None:
    if not value:
        return None
    if value == "seeded":
        return sorted(ROUTABLE_UNITS)
    path = Path(value)
    if path.is_file():
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [code.strip() for code in value.split(",") if code.strip()]


@app.command()
def train(
    file: FileArg,
    text_col: Annotated[str, typer.Option(help="column with the ticket text")] = "text",
    label_col: Annotated[str, typer.Option(help="column with the unit that handled it")] = "unit",
    category_col: Annotated[
        str, typer.Option(help="optional column with the category; '' for none")
    ] = "category",
    out: Annotated[
        Path | None, typer.Option("--out", help="model directory (default: the configured one)")
    ] = None,
    corrections: Annotated[
        Path | None,
        typer.Option(
            help="CSV of dispatcher corrections to learn from: text, suggested, chosen "
            "(or `hotline tickets export-training`'s text, unit, category, suggested)"
        ),
    ] = None,
    units: Annotated[
        str | None,
        typer.Option(help="allowed unit labels: 'seeded', a comma list, or a file with one per line"),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="replace the current model even if the new one scores lower")
    ] = False,
) -> None:
    """Retrain; the new model replaces the current one only if it is not worse on a held-out split."""
    mistyped = mistyped_settings()
    if mistyped:
        # A name pydantic ignores leaves its default in force: the model directory's is the
        # shipped model, which the retrain would write over.
        for name, closest in mistyped:
            hint = f"是否应为 {closest}？ did you mean {closest}?" if closest else "no such setting"
            typer.echo(f"错误 error: 未知的设置 unknown setting {name}: {hint}", err=True)
        typer.echo("未训练：请先更正环境变量 nothing trained: fix the environment first", err=True)
        raise typer.Exit(code=2)
    settings = ClassifierSettings()
    out_dir = out or settings.resolved_model_dir()
    try:
        result = train_file(
            file,
            out_dir=out_dir,
            text_col=text_col,
            label_col=label_col,
            category_col=category_col or None,
            corrections=corrections,
            known_units=_allowed(units),
            force=force,
            limits=settings.read_limits(),
        )
    except ClassifierError as err:
        raise _fail(err) from err
    typer.echo(
        f"rows used {result.rows}, skipped {result.skipped} (no text or no label), "
        f"empty rows {result.empty}, texts cut to {settings.max_chars} characters {result.truncated}"
        + (f", corrections {result.corrections}" if corrections is not None else "")
    )
    for warning in result.warnings:
        typer.echo(f"警告 warning: {warning}", err=True)
    cand = result.candidate
    typer.echo(f"held-out: top-1 {cand.accuracy:.4f}, macro-F1 {cand.macro_f1:.4f}, top-3 {cand.top3:.4f}")
    if result.previous is not None:
        typer.echo(f"current model on the same rows: top-1 {result.previous.accuracy:.4f}")
    if result.replaced:
        typer.echo(f"saved to {result.out_dir} ({result.reason})")
        if result.backup_dir is not None:
            typer.echo(f"previous model kept in {result.backup_dir}")
    else:
        typer.echo(result.reason)
        raise typer.Exit(code=1)


@app.command()
def evaluate(
    file: FileArg,
    text_col: Annotated[str, typer.Option(help="column with the ticket text")] = "text",
    label_col: Annotated[str, typer.Option(help="column with the true label")] = "unit",
    model_dir: Annotated[
        Path | None, typer.Option("--model", help="model directory (default: the configured one)")
    ] = None,
    head: Annotated[
        str | None, typer.Option(help="unit, category or nature (default: from --label-col)")
    ] = None,
) -> None:
    """Accuracy, macro-F1, top-3, per-class precision and recall and the most confused pairs."""
    for name, closest in mistyped_settings():  # evaluating writes nothing: a warning is enough
        hint = f"是否应为 {closest}？ did you mean {closest}?" if closest else "no such setting"
        typer.echo(f"警告 warning: 未知的设置 unknown setting {name}, ignored: {hint}", err=True)
    settings = ClassifierSettings()
    try:
        model, _ = load_model(model_dir or settings.resolved_model_dir())
        report = evaluate_file(
            model, file, text_col=text_col, label_col=label_col, head=head, limits=settings.read_limits()
        )
    except ClassifierError as err:
        raise _fail(err) from err
    typer.echo(format_report(report, names={**ROUTABLE_UNITS, **CATEGORIES}))


if __name__ == "__main__":
    app()

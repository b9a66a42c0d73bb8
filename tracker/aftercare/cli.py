"""好差评 evaluations: `flask --app tracker evaluations import FILE`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import translate
from ..services.errors import DomainError
from .importer import import_evaluations

evaluations_cli = AppGroup("evaluations", help="Import 好差评 evaluations (评价导入).")


@evaluations_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", default="haochaping", show_default=True,
              type=click.Choice(["haochaping", "government_survey"]),
              help="好差评 or the government third-party survey (idempotent per source and "
                   "external_id).")
def import_command(path: str, source: str) -> None:
    """Import a CSV (UTF-8, with or without BOM): each bad row is reported by its line number,
    the good rows are imported once; "not satisfied" opens a follow-up (上门回访)."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        report = import_evaluations(data, None, source=source)
    except DomainError as exc:
        details = "; ".join(f"{name}: {', '.join(translate(m) for m in messages)}"
                            for name, messages in exc.fields.items())
        raise click.ClickException(translate(exc.message, exc.params)
                                   + (f" ({details})" if details else "")) from None
    for error in report.errors:
        click.echo(f"{path}:{error.line}: {translate(error.message, error.params)}", err=True)
    click.echo(translate("Imported %(imported)s, already imported %(already)s, bad rows "
                         "%(bad)s, follow-ups opened %(follow_ups)s.",
                         {"imported": report.imported, "already": report.already_imported,
                          "bad": len(report.errors), "follow_ups": report.follow_ups_opened}))
    if report.errors:
        raise SystemExit(1)

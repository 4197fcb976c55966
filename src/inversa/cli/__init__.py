"""The ``inversa`` command (Typer + Rich).

Sub-commands live in one module each and are mounted here.  User errors print one line
on stderr and exit 2 (see :mod:`inversa.cli._output`).
"""

from __future__ import annotations

import typer

from inversa.cli import demo as _demo
from inversa.cli.calc import app as calc_app
from inversa.cli.hedge import app as hedge_app
from inversa.cli.index import app as index_app
from inversa.cli.stress import app as stress_app
from inversa.cli.token import app as token_app
from inversa.cli.venues import app as venues_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="inversa",
    help="Exact maths and simulation for coin-margined (inverse) futures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(calc_app, name="calc")
app.add_typer(stress_app, name="stress")
app.add_typer(hedge_app, name="hedge")
app.add_typer(token_app, name="token")
app.add_typer(index_app, name="index")
app.add_typer(venues_app, name="venues")
_demo.register(app)


def main() -> None:
    """Console-script entry point."""
    app()

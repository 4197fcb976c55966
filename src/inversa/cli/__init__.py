"""The ``inversa`` command (Typer + Rich): parse, call one API function, render.

How a command module is written (calc, hedge, stress; new ones follow the same pattern):

* **App**: ``app = new_app("help")`` from :mod:`inversa.cli._output`.  Its command group
  turns every user error into one ``error: ...`` line on stderr and exit status 2: an
  :class:`~inversa.errors.InversaError` raised anywhere in the command, a bad option value,
  an unknown option or a missing file.  Commands just raise; no try/except, no traceback.
  Warnings are held back until the command has succeeded.
* **Options**: declare numeric, date and path options with :mod:`inversa.cli._options`
  (``number(domain, help)``, ``mapping(...)``, ``date_option``, ``path_option``, and the
  shared aliases ``Json``, ``Venue``, ``Report``, the portfolio options ...).  Every value
  is parsed by a domain of :mod:`inversa.domain` before the command runs, and a fuzz suite
  can list every option with its domain (:func:`inversa.domain.option_domains`).  Refuse
  contradictory options naming both.
* **Config files** are :class:`inversa.data.config.ConfigModel` subclasses read with
  :func:`~inversa.data.config.load_toml` / :func:`~inversa.data.config.load_csv`; the
  same frozen object is what the Python API takes.
* **Output** goes through :mod:`inversa.report`: ``print_json`` (strict, exact Decimals,
  infinite prices as null), ``table``/``key_value_table`` with typed columns (units:
  coin, usd, price, rate, count ...) that fold rather than cut, ``progress`` (a real
  bar on a terminal only), and ``write_report`` for HTML (check the path first with
  ``check_output_path``, before any work).
* **No business logic here**: file parsing lives in ``data/``/``sim/``, figures in
  ``report/figures.py``; keep every module under 450 lines.

Sub-commands live in one module each and are mounted below.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from inversa.cli import demo as _demo
from inversa.cli._output import new_app
from inversa.cli.calc import app as calc_app
from inversa.cli.hedge import app as hedge_app
from inversa.cli.index import app as index_app
from inversa.cli.stress import app as stress_app
from inversa.cli.token import app as token_app
from inversa.cli.venues import app as venues_app

__all__ = ["app", "main"]

app = new_app("Exact maths and simulation for coin-margined (inverse) futures.", name="inversa")


def _version() -> str:
    try:
        return version("inversa")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"inversa {_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version_flag: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_show_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Exact maths and simulation for coin-margined (inverse) futures."""


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

"""CLI plumbing: one line per error, exit 2, for every command (see :mod:`inversa.cli`).

:func:`new_app` makes a Typer app whose command group runs every command under one
handler (:class:`OneLineGroup`):

* inversa's errors (:class:`~inversa.errors.InversaError`), decimal arithmetic errors and
  click usage errors (unknown option, bad value, missing option, bad choice) print one line
  ``error: ...`` on stderr naming the option, and exit with status 2 (no usage box, no
  traceback);
* warnings raised while a command runs are held back: dropped when it fails, printed
  (one ``warning: ...`` line each) after it succeeds.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from inversa.errors import InputError, InversaError

__all__ = ["OneLineGroup", "fail", "new_app", "user_errors"]


def _line(message: str) -> str:
    return " ".join(str(message).split())


def fail(message: str) -> NoReturn:
    """Print one line on stderr and exit with status 2 (a user error, never a traceback)."""
    sys.stderr.write(f"error: {_line(message)}\n")
    raise typer.Exit(code=2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn inversa's errors (and bad numbers) into :func:`fail` (for code outside a command)."""
    try:
        yield
    except InversaError as exc:
        fail(str(exc))
    except ArithmeticError as exc:
        fail(f"invalid number: {type(exc).__name__}")


def _option(exc: Any) -> str:
    param = getattr(exc, "param", None)
    opts = getattr(param, "opts", None)
    if opts:
        return str(max(opts, key=len))
    hint = getattr(exc, "param_hint", None)
    if isinstance(hint, str):
        return str(hint).strip("'\"")
    return ""


def _usage_message(exc: Any) -> str:
    """One line for a click usage error, naming the option."""
    option = _option(exc)
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        first = errors()[0] if errors() else {}
        inner = (first.get("ctx") or {}).get("error")
        if isinstance(inner, InputError):
            suffix = inner.field if inner.field.startswith((".", "[")) else ""
            return f"{option}{suffix}={inner.value!r}: {inner.reason}"
        if first:
            value = first.get("input")
            reason = re.sub(r"^Value error, ", "", str(first.get("msg", "invalid value")))
            return f"{option}={value!r}: {reason[:1].lower()}{reason[1:]}"
    text = str(exc.format_message())
    match = re.match(r"Invalid value for '([^']+)': (.*)", text, re.S)
    if match:
        return f"{match.group(1)}: {match.group(2)}"
    return text


def _name_option(group: Any, args: Sequence[str] | None, exc: InputError) -> str:
    """``exc`` as one line, its field written as the command's option when it is one
    (``maintenance_amount=...`` becomes ``--maintenance-amount=...``)."""
    command, tokens = group, list(sys.argv[1:] if args is None else args)
    while hasattr(command, "commands") and tokens:
        token = tokens.pop(0)
        if token in command.commands:
            command = command.commands[token]
    field = str(exc.field)
    base = re.split(r"[.\[]", field, maxsplit=1)[0]
    for param in getattr(command, "params", []):
        opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
        if param.name == base and opts and not field.startswith("-"):
            return f"{max(opts, key=len)}{field[len(base) :]}={exc.value!r}: {exc.reason}"
    return str(exc)


class OneLineGroup(TyperGroup):
    """A Typer command group that reports every user error as one line and exit 2."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; one ``error:`` line on stderr and exit 2 for a user error."""
        code: int = 0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
                code = result if isinstance(result, int) else 0
            except InputError as exc:
                code = self._error(_name_option(self, args, exc))
            except InversaError as exc:
                code = self._error(str(exc))
            except ArithmeticError as exc:
                code = self._error(f"invalid number: {type(exc).__name__}")
            except typer.Abort:
                code = self._error("aborted")
            except Exception as exc:
                if type(exc).__name__ == "NoArgsIsHelpError":
                    sys.stdout.write(exc.format_message() + "\n")  # type: ignore[attr-defined]
                    code = 2
                elif hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
                    if exc.exit_code == 2 or type(exc).__name__.endswith(
                        ("UsageError", "BadParameter", "NoSuchOption", "MissingParameter")
                    ):
                        code = self._error(_usage_message(exc))
                    else:
                        code = self._error(exc.format_message())
                else:
                    raise
        if code == 0:
            for item in caught:
                sys.stderr.write(f"warning: {_line(str(item.message))}\n")
        if not standalone_mode:
            return code
        sys.exit(code)

    @staticmethod
    def _error(message: str) -> int:
        sys.stderr.write(f"error: {_line(message)}\n")
        return 2


def new_app(help_text: str, **kwargs: Any) -> typer.Typer:
    """A Typer app with inversa's conventions: one-line errors, help on no arguments."""
    kwargs.setdefault("no_args_is_help", True)
    kwargs.setdefault("add_completion", False)
    kwargs.setdefault("pretty_exceptions_enable", False)
    return typer.Typer(help=help_text, cls=OneLineGroup, **kwargs)

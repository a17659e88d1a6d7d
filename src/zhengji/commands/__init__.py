"""What every command module shares: the consoles, the error mapping, the progress bar.

Commands live in one module per capability (``zhengji.commands.ledger`` …), each exposing a
Typer ``app`` that ``zhengji.cli`` registers; this module keeps them from repeating the shell.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from zhengji.errors import ZhengjiError

__all__ = ["console", "err_console", "friendly", "progress"]

# A pipe or a CI log is not a terminal: give tables room instead of Rich's 80 columns.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Map our errors to one readable message and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ZhengjiError as exc:
            err_console.print(
                f"[bold red]错误 error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None
        except OSError as exc:  # a file in the way, open in Excel, no permission, disk full
            where = f" {exc.filename}" if exc.filename else ""
            why = exc.strerror or str(exc)
            err_console.print(
                f"[bold red]文件错误 file error:[/]{escape(where)}: {escape(why)}"
                " — 请检查路径、权限，或关闭正在使用该文件的程序 check the path and permissions, "
                "or close the program that has the file open",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )

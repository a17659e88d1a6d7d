"""Commands of eco."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    help="生态账户 Ecological accounts (梵净生态账户) and GEP accounting.", no_args_is_help=True
)

"""Commands of ledger."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    help="账本 Tamper-evident ledger: verify, prove, checkpoint, export.", no_args_is_help=True
)

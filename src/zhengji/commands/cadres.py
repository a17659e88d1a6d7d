"""Commands of cadres."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer()

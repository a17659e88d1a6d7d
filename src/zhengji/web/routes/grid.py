"""Web pages of the grid capability (placeholder: filled in by the grid pages work)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()

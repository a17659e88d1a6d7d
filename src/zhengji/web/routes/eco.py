"""Web pages of the eco capability (placeholder: filled in by the eco pages work)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()

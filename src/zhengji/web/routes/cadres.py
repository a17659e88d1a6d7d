"""Web pages of the cadres capability (placeholder: filled in by the cadres pages work)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()

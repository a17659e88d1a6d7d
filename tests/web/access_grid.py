"""Access rules of the grid pages (merged into the table of ``tests/web/test_access.py``)."""

from __future__ import annotations

from tests.web.access_roles import Case
from tests.web.conftest import World

__all__ = ["grid_cases"]


def grid_cases(w: World) -> dict[tuple[str, str], Case]:
    """Every route of ``zhengji.web.routes.grid``: path, roles admitted, out-of-scope twin."""
    return {}

"""ORM tables of grids, ten-household groups, roles and dispute mediation (issue 10).

Migration 0010 creates exactly these.
"""

from __future__ import annotations

"""ORM tables of ecological accounts (issue 8).

Migration 0008 creates exactly these.
"""

from __future__ import annotations

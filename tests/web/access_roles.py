"""The access-rule vocabulary of ``tests/web/test_access.py``: who is signed in, what a rule says.

Users are the accounts of ``tests/web/conftest.py`` (``USERS``). ``ALL`` are the office's
accounts (the office pages); ``EVERYONE`` adds the roles with pages of their own (组织部,
综治中心, a cadre, a grid worker, a mediator), which only the account pages admit as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ADMIN",
    "ALL",
    "AUDITORS",
    "CADRE",
    "CENTRE",
    "EVERYONE",
    "GRID_WORKER",
    "MEDIATOR",
    "ORG",
    "PUBLIC",
    "READERS",
    "UPLOADERS",
    "WRITERS",
    "Case",
]

ALL = frozenset({"admin", "assessor", "inspector", "rep_jiangkou"})
READERS = frozenset({"admin", "assessor", "inspector"})
WRITERS = frozenset({"admin", "assessor"})
UPLOADERS = frozenset({"admin", "assessor", "rep_jiangkou"})
ADMIN = frozenset({"admin"})
AUDITORS = frozenset({"admin", "inspector"})
ORG = frozenset({"org"})  # 组织部: every cadre record
CADRE = frozenset({"cadre_p064"})  # a cadre: only their own record (P064)
CENTRE = frozenset({"centre_jiangkou"})  # 综治中心 of Jiangkou county
GRID_WORKER = frozenset({"gw_jiangkou"})  # the worker of grid jiangkou_t1_v1_g1
MEDIATOR = frozenset({"med_jiangkou"})  # the full-time mediator of township jiangkou_t1
EVERYONE = ALL | ORG | CADRE | CENTRE | GRID_WORKER | MEDIATOR
PUBLIC: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Case:
    path: str
    roles: frozenset[str]  # PUBLIC: no session needed
    data: dict[str, Any] = field(default_factory=dict)
    foreign: str | None = None  # the same request outside the user's scope (→ 403)

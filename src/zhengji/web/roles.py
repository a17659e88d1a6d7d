"""Roles and unit scopes: who may read and change what (pure rules, no I/O).

::

    admin      考核办        everything, accounts, findings review (confirm / dismiss)
    assessor   第三方评估    read every assessment, upload data, run assessments
    inspector  纪检/审计     read-only everything, plus the audit log and the ledger
    reporter   填报员        only their own unit (and the units under it): read, upload, explain
    organisation 组织部      every cadre's record, the lists and the case library; decides
    centre     综治中心      the grid world of their unit (county or township): dispatch, disputes
    cadre      干部本人      only their own record (``subject`` = their person id)
    grid_worker 网格员       only their own grid (``subject`` = the grid id)
    mediator   调解员        only the disputes assigned to them (``subject`` = their person id)
    (citizen)  群众          no account: requests and surveys by token (Open311)

``STAFF`` are the assessment office's own accounts, which share the office pages; the other
roles have pages of their own and land on :data:`HOME` after signing in.

A route declares the roles it admits (:func:`zhengji.web.deps.require`); a route about a unit
also checks :meth:`Principal.can_see` with the unit hierarchy, so a county reporter never
reads or changes another county's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from zhengji.errors import PermissionDenied

__all__ = [
    "ALL",
    "HOME",
    "READERS",
    "ROLE_NAMES",
    "STAFF",
    "SUBJECT_ROLES",
    "UNIT_ROLES",
    "WRITERS",
    "Principal",
    "Role",
    "subtree",
]


class Role(StrEnum):
    admin = "admin"
    assessor = "assessor"
    inspector = "inspector"
    reporter = "reporter"
    organisation = "organisation"
    centre = "centre"
    cadre = "cadre"
    grid_worker = "grid_worker"
    mediator = "mediator"


ROLE_NAMES: Mapping[Role, tuple[str, str]] = {
    Role.admin: ("考核办", "assessment office (admin)"),
    Role.assessor: ("第三方评估", "third-party assessor"),
    Role.inspector: ("纪检/审计", "inspector / auditor"),
    Role.reporter: ("填报员", "reporter"),
    Role.organisation: ("组织部", "organisation department"),
    Role.centre: ("综治中心", "governance centre"),
    Role.cadre: ("干部本人", "cadre (own record)"),
    Role.grid_worker: ("网格员", "grid worker"),
    Role.mediator: ("调解员", "mediator"),
}

#: Every account (the account pages: password, logout).
ALL = frozenset(Role)
#: The assessment office's accounts, which share the office pages (overview, units, findings…).
STAFF = frozenset({Role.admin, Role.assessor, Role.inspector, Role.reporter})
#: Roles scoped to a unit of the hierarchy (``unit_id``) and the units under it.
UNIT_ROLES = frozenset({Role.reporter, Role.centre})
#: Roles bound to one record (``subject``): a person or a grid.
SUBJECT_ROLES = frozenset({Role.cadre, Role.grid_worker, Role.mediator})
#: Where a role outside ``STAFF`` lands (its own pages; ``/`` sends it there).
HOME: Mapping[Role, str] = {
    Role.organisation: "/cadres",
    Role.centre: "/grid",
    Role.cadre: "/cadres/me",
    Role.grid_worker: "/grid",
    Role.mediator: "/grid/disputes",
}
#: May read the whole city's assessment (everyone but a unit-scoped reporter).
READERS = frozenset({Role.admin, Role.assessor, Role.inspector})
#: May upload data and run assessments.
WRITERS = frozenset({Role.admin, Role.assessor})


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the routes see it."""

    user_id: int
    username: str
    display_name: str
    role: Role
    unit_id: str | None
    session_id: int
    csrf_token: str
    subject: str | None = None  # the person or grid a SUBJECT_ROLES account is bound to

    @property
    def scoped(self) -> bool:
        """Whether this user sees only a subtree of the unit hierarchy."""
        return self.role in UNIT_ROLES

    def can_see(self, unit_id: str | None, parents: Mapping[str, str | None]) -> bool:
        """Whether this user may read or change the unit's data (``parents``: unit → parent)."""
        if not self.scoped:
            return True
        if unit_id is None or self.unit_id is None:
            return False
        return unit_id in subtree(self.unit_id, parents)

    def check_unit(self, unit_id: str | None, parents: Mapping[str, str | None]) -> None:
        if not self.can_see(unit_id, parents):
            raise PermissionDenied(
                f"无权访问该单位 you may not see unit '{unit_id}': a {self.role.value} sees only "
                f"their own unit ({self.unit_id}) and the units under it"
            )


def subtree(root: str, parents: Mapping[str, str | None]) -> frozenset[str]:
    """``root`` and every unit below it in the hierarchy."""
    kids: dict[str, list[str]] = {}
    for uid, parent in parents.items():
        if parent:
            kids.setdefault(parent, []).append(uid)
    out = {root}
    todo = [root]
    while todo:
        for k in kids.get(todo.pop(), []):
            if k not in out:
                out.add(k)
                todo.append(k)
    return frozenset(out)

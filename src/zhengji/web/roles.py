"""Roles and unit scopes: who may read and change what (pure rules, no I/O).

::

    admin      考核办        everything, accounts, findings review (confirm / dismiss)
    assessor   第三方评估    read every assessment, upload data, run assessments
    inspector  纪检/审计     read-only everything, plus the audit log and the ledger
    reporter   填报员        only their own unit (and the units under it): read, upload, explain
    (citizen)  群众          no account: requests and surveys by token (Open311)

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
    "READERS",
    "ROLE_NAMES",
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


ROLE_NAMES: Mapping[Role, tuple[str, str]] = {
    Role.admin: ("考核办", "assessment office (admin)"),
    Role.assessor: ("第三方评估", "third-party assessor"),
    Role.inspector: ("纪检/审计", "inspector / auditor"),
    Role.reporter: ("填报员", "reporter"),
}

ALL = frozenset(Role)
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

    @property
    def scoped(self) -> bool:
        return self.role is Role.reporter

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
                f"无权访问该单位 you may not see unit '{unit_id}': a reporter sees only "
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

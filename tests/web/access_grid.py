"""Access rules of the grid pages (merged into the table of ``tests/web/test_access.py``)."""

from __future__ import annotations

import datetime as dt

from tests.web.access_roles import ADMIN, CENTRE, GRID_WORKER, MEDIATOR, Case
from tests.web.conftest import World

__all__ = ["TREE", "grid_cases", "open_dispute"]

TREE = ADMIN | {"inspector"} | CENTRE | GRID_WORKER  # the grid tree and a node's page
DISPATCH = ADMIN | {"inspector"} | CENTRE
CASES = TREE | MEDIATOR  # dispute lists and one dispute, each scoped
ACTORS = ADMIN | CENTRE | MEDIATOR  # steps (the core decides each one)


def open_dispute(w: World, grid: str, risk: str = "high", assign: bool = True) -> int:
    """A new dispute in ``grid`` registered by its grid worker; a high-risk one goes to the
    township at once and, with ``assign``, the township centre assigns its mediator."""
    from zhengji.grid.deadlines import default_deadlines
    from zhengji.grid.disputes import Party, act, register

    town = grid.split("_v")[0]
    now = dt.datetime.now(dt.UTC)
    with w.store.transaction() as s:
        did = register(
            s, default_deadlines(), grid_id=grid, kind="land", risk=risk, summary="山林边界（测试）",
            parties_=[Party("当事人甲（测试）"), Party("当事人乙（测试）")], by=f"{grid}_w", at=now,
        )  # fmt: skip
        if assign:
            act(s, did, "assign", actor=f"{town}_centre", at=now, mediator_id=f"{town}_med")
    return did


def grid_cases(w: World) -> dict[tuple[str, str], Case]:
    """Every route of ``zhengji.web.routes.grid``: path, roles admitted, out-of-scope twin
    (a Bijiang grid or dispute, or another grid of Jiangkou for the grid worker)."""
    jk = open_dispute(w, "jiangkou_t1_v1_g1")  # assigned to med_jiangkou (jiangkou_t1_med)
    bj = open_dispute(w, "bijiang_t1_v1_g1")
    grid, other = "/grid/units/jiangkou_t1_v1_g1", "/grid/units/bijiang_t1_v1_g1"
    case, foreign = f"/grid/disputes/{jk}", f"/grid/disputes/{bj}"
    step = {"action": "follow_up", "note": "access"}  # not yet allowed by the state: 400
    return {
        ("GET", "/grid"): Case("/grid", TREE),
        ("GET", "/grid.json"): Case("/grid.json?period=2025", TREE),
        ("GET", "/grid/units/{unit_id}"): Case(grid, TREE, foreign=other),
        ("GET", "/grid/units/{unit_id}.json"): Case(grid + ".json", TREE, foreign=other + ".json"),
        ("GET", "/grid/dispatch"): Case("/grid/dispatch", DISPATCH),
        ("GET", "/grid/dispatch.json"): Case("/grid/dispatch.json", DISPATCH),
        ("GET", "/grid/disputes"): Case("/grid/disputes", CASES),
        ("GET", "/grid/disputes.json"): Case("/grid/disputes.json?status=open", CASES),
        ("GET", "/grid/disputes/{dispute_id}"): Case(case, CASES, foreign=foreign),
        ("GET", "/grid/disputes/{dispute_id}.json"): Case(
            case + ".json", CASES, foreign=foreign + ".json"
        ),
        ("POST", "/grid/disputes/{dispute_id}/assign"): Case(
            case + "/assign",
            ADMIN | CENTRE,
            {"mediator_id": "jiangkou_t1_med"},
            foreign=foreign + "/assign",
        ),
        ("POST", "/grid/disputes/{dispute_id}/record"): Case(
            case + "/record", ACTORS, step, foreign=foreign + "/record"
        ),
        ("POST", "/grid/disputes/{dispute_id}/escalate"): Case(
            case + "/escalate", ACTORS, {}, foreign=foreign + "/escalate"
        ),  # without a reason: 422 for those admitted, 403 for the others
    }

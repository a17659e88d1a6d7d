"""A scheme as rows for the page (tree with nominal weights) and the differences of two versions.

The weights are :func:`zhengji.scheme.weights.nominal_weights` (what the scheme says before any
data); a data-driven weighting shows no number. Comparing versions lists nodes added, removed
and changed (name, parent, weight share, direction, source, kind, normalisation), per category.
"""

from __future__ import annotations

from typing import Any

from zhengji.report.labels import node_name
from zhengji.scheme.model import IndicatorSpec, Scheme
from zhengji.scheme.weights import nominal_weights

__all__ = ["compare_schemes", "tree_rows"]


def tree_rows(
    scheme: Scheme, lang: str = "zh", category: str | None = None
) -> list[dict[str, Any]]:
    """Index, pillars and indicators depth first with each one's share of the whole index."""
    weights = nominal_weights(scheme, category)
    rows: list[dict[str, Any]] = []

    def walk(nid: str, depth: int, parent: str | None) -> None:
        node: Any = scheme.index if nid == scheme.index.id else None
        ind = next((i for i in scheme.indicators if i.id == nid), None)
        row: dict[str, Any] = {
            "id": nid,
            "name": node_name(scheme, nid, lang),
            "depth": depth,
            "parent": parent,
            "type": "index" if node is not None else ("indicator" if ind else "pillar"),
            "share": weights.get(nid),
        }
        if isinstance(ind, IndicatorSpec):
            row |= {
                "kind": ind.kind,
                "source": ind.source,
                "direction": ind.direction,
                "unit": ind.unit,
                "normalise": getattr(ind.normalisation, "method", "") or "",
            }
        rows.append(row)
        for kid in scheme.children(nid):
            walk(kid.id, depth + 1, nid)

    walk(scheme.index.id, 0, None)
    return rows


_FIELDS = ("name", "parent", "share", "kind", "source", "direction", "unit", "normalise")


def compare_schemes(old: Scheme, new: Scheme, lang: str = "zh") -> dict[str, Any]:
    """What changed from ``old`` to ``new``: per category, nodes added, removed, changed."""
    cats = [None, *sorted({c.id for c in old.categories} | {c.id for c in new.categories})]
    out: dict[str, Any] = {"categories": []}
    for cat in cats:
        a = {r["id"]: r for r in tree_rows(old, lang, _known(old, cat))}
        b = {r["id"]: r for r in tree_rows(new, lang, _known(new, cat))}
        changed = []
        for nid in [k for k in a if k in b]:
            diffs = {
                f: {"old": a[nid].get(f), "new": b[nid].get(f)}
                for f in _FIELDS
                if not _same(a[nid].get(f), b[nid].get(f))
            }
            if diffs:
                changed.append({"id": nid, "name": b[nid]["name"], "changes": diffs})
        out["categories"].append(
            {
                "category": cat or "*",
                "added": [b[k] for k in b if k not in a],
                "removed": [a[k] for k in a if k not in b],
                "changed": changed,
            }
        )
    out["same"] = all(not (c["added"] or c["removed"] or c["changed"]) for c in out["categories"])
    return out


def _known(scheme: Scheme, cat: str | None) -> str | None:
    return cat if cat is not None and any(c.id == cat for c in scheme.categories) else None


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return abs(x - y) < 1e-12
    return bool(x == y)

"""Nominal weights of a scheme, before any data: what the scheme *says* each part is worth.

Used to show a scheme's tree and to check policy rules (e.g. GDP growth ≤ 10 % of the total).
Data-driven weightings (entropy, CRITIC) have no nominal weight: their subtree maps to ``None``.
"""

from __future__ import annotations

from zhengji.scheme.model import IndicatorSpec, PillarSpec, Scheme

__all__ = ["local_weights", "nominal_weights"]


def local_weights(scheme: Scheme, node_id: str, category: str | None) -> dict[str, float] | None:
    """Normalised weights of a node's children for a category (None if data-driven)."""
    node = (
        scheme.index
        if node_id == scheme.index.id
        else next(p for p in scheme.pillars if p.id == node_id)
    )
    kids = _applicable_children(scheme, node_id, category)
    if not kids:
        return {}
    cat = scheme.category(category) if category else None
    over = cat.weights if cat else {}
    how = node.weighting
    if how.method == "fixed":
        raw = {k.id: over.get(k.id, k.weight) for k in kids}
    elif how.method == "equal":
        raw = {k.id: 0.0 if over.get(k.id) == 0 else 1.0 for k in kids}
    elif how.method == "ahp":
        from zhengji.engine.weights import ahp_matrix, ahp_weights

        assert how.ahp is not None
        every = [k.id for k in scheme.children(node_id)]
        order = how.ahp.order or every
        res = ahp_weights(
            ahp_matrix(order, matrix=how.ahp.matrix, pairs=how.ahp.pairs),
            random_index=how.ahp.random_index,
        )
        live = {k.id for k in kids}
        raw = {
            i: float(res.weights[n]) for n, i in enumerate(order) if i in live and over.get(i) != 0
        }
    else:
        return None
    total = sum(raw.values())
    return {k: (v / total if total > 0 else 0.0) for k, v in raw.items()}


def nominal_weights(scheme: Scheme, category: str | None) -> dict[str, float]:
    """Share of the whole index held by every node and indicator for a category.

    Omits ids under a data-driven weighting; an excluded part is absent.
    """
    out: dict[str, float] = {scheme.index.id: 1.0}
    for node in scheme.node_ids():
        if node not in out:
            continue
        local = local_weights(scheme, node, category)
        if local is None:
            continue
        for kid, w in local.items():
            out[kid] = out[node] * w
    return out


def _applicable_children(
    scheme: Scheme, node_id: str, category: str | None
) -> list[PillarSpec | IndicatorSpec]:
    live = {i.id for i in scheme.indicators_for(category)}
    out: list[PillarSpec | IndicatorSpec] = []
    for kid in scheme.children(node_id):
        if isinstance(kid, IndicatorSpec):
            if kid.id in live:
                out.append(kid)
        elif any(kid.id in scheme.path(i) for i in live):
            out.append(kid)
    return out

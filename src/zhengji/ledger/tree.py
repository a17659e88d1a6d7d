"""Roots and proofs of the stored log at any size, from precomputed perfect-subtree nodes.

Every range an RFC 9162 root or proof needs is a fold of at most log2(n)+1 perfect subtrees
(``merkle.perfect_subtrees``), and every perfect subtree is one stored row (a leaf hash or a
``ledger_nodes`` row). So a root, an inclusion proof or a consistency proof at 10^7 entries is
two indexed queries for ~2·log2(n) rows, whatever the size and however old the tree size.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from zhengji.errors import MethodError
from zhengji.ledger.log import fetch_nodes, info
from zhengji.ledger.merkle import (
    HashFn,
    consistency_ranges,
    empty_root,
    fold,
    hash_function,
    inclusion_ranges,
    perfect_subtrees,
)

__all__ = ["consistency_proof", "inclusion_proof", "root_at"]


def _serve(session: Session, ranges: Sequence[tuple[int, int]], h: HashFn) -> list[bytes]:
    plans = [perfect_subtrees(a, b) for a, b in ranges]
    nodes = fetch_nodes(session, (p for plan in plans for p in plan))
    return [fold([nodes[p] for p in plan], h) for plan in plans]


def _suite_and_size(session: Session, size: int | None) -> tuple[HashFn, int]:
    meta = info(session)
    n = meta.size if size is None else size
    if not 0 <= n <= meta.size:
        raise MethodError(
            f"树规模超出范围 tree size {n} out of range: the ledger has {meta.size} entries"
        )
    return hash_function(meta.hash_suite), n


def root_at(session: Session, size: int | None = None) -> bytes:
    """MTH of the first ``size`` leaves (default: all); the empty tree gives H('')."""
    h, n = _suite_and_size(session, size)
    if n == 0:
        return empty_root(h)
    return _serve(session, [(0, n)], h)[0]


def inclusion_proof(session: Session, index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[size]) from stored nodes, leaf to root (RFC 9162 §2.1.3.1)."""
    h, n = _suite_and_size(session, size)
    return _serve(session, inclusion_ranges(index, n), h)


def consistency_proof(session: Session, old_size: int, new_size: int | None = None) -> list[bytes]:
    """PROOF(old_size, D[new_size]) from stored nodes (RFC 9162 §2.1.4.1)."""
    h, n = _suite_and_size(session, new_size)
    return _serve(session, consistency_ranges(old_size, n), h)

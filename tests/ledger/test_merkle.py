"""RFC 9162 §2.1 Merkle maths: published vectors, tampering, and a naive recursive twin.

Vectors: tests/data/ledger/rfc6962_vectors_8leaves.json (leaf inputs of transparency-dev/merkle
``testonly/constants.go``; every root 0–8, every inclusion and consistency proof for trees of
at most 8 leaves, cross-checked against transparency-dev/merkle's test files) and
tests/data/ledger/sm3_tree_vectors_8leaves.json (same tree with SM3, cross-checked with gmalg).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengji.errors import MethodError
from zhengji.ledger.merkle import (
    HashFn,
    consistency_proof,
    hash_function,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    sha256,
    sm3,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"
RFC = json.loads((DATA / "rfc6962_vectors_8leaves.json").read_text())
SM3V = json.loads((DATA / "sm3_tree_vectors_8leaves.json").read_text())

try:
    hashlib.new("sm3")
    HAVE_SM3 = True
except ValueError:
    HAVE_SM3 = False
needs_sm3 = pytest.mark.skipif(not HAVE_SM3, reason="OpenSSL of this Python has no SM3")


def _b(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes]


INPUTS = _b(RFC["leaf_inputs_hex"])
LEAVES = [leaf_hash(d) for d in INPUTS]
ROOTS = {int(k): bytes.fromhex(v) for k, v in RFC["roots_hex"].items()}


def _flip(b: bytes, i: int = 0) -> bytes:
    return b[:i] + bytes([b[i] ^ 0x01]) + b[i + 1 :]


# --- naive implementation, straight from the RFC 9162 §2.1 recursive definitions ----------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(d: list[bytes], h: HashFn = sha256) -> bytes:
    n = len(d)
    if n == 0:
        return h(b"")
    if n == 1:
        return h(b"\x00" + d[0])
    k = _k(n)
    return h(b"\x01" + naive_mth(d[:k], h) + naive_mth(d[k:], h))


def naive_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*naive_path(m, d[:k]), naive_mth(d[k:])]
    return [*naive_path(m - k, d[k:]), naive_mth(d[:k])]


def naive_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = _k(n)
    if m <= k:
        return [*naive_subproof(m, d[:k], b), naive_mth(d[k:])]
    return [*naive_subproof(m - k, d[k:], False), naive_mth(d[:k])]


MAX = 10_000
BIG_INPUTS = [i.to_bytes(4, "big") for i in range(MAX)]
BIG_LEAVES = [leaf_hash(d) for d in BIG_INPUTS]


# --- RFC 6962/9162 vectors (SHA-256) -----------------------------------------------------


def test_transparency_dev_leaf_hashes() -> None:
    """Leaf hashes H(0x00‖d) of transparency-dev/merkle testonly LeafInputs()."""
    assert _b(RFC["leaf_hashes_hex"]) == LEAVES


@pytest.mark.parametrize("size", range(9))
def test_rfc9162_vector_roots(size: int) -> None:
    """MTH of the first ``size`` leaves equals the vector root (sizes 0–8, 0 = SHA-256(''))."""
    assert root(LEAVES[:size]) == ROOTS[size]
    assert naive_mth(INPUTS[:size]) == ROOTS[size]


INCL: list[dict[str, Any]] = RFC["inclusion"]
CONS: list[dict[str, Any]] = RFC["consistency"]


@pytest.mark.parametrize("v", INCL, ids=lambda v: f"{v['leaf_index']}of{v['tree_size']}")
def test_rfc9162_vector_inclusion(v: dict[str, Any]) -> None:
    """Every inclusion proof of the vector file is generated exactly and verifies."""
    m, n, proof = v["leaf_index"], v["tree_size"], _b(v["proof_hex"])
    assert inclusion_proof(LEAVES[:n], m) == proof
    assert verify_inclusion(LEAVES[m], m, n, proof, ROOTS[n])


@pytest.mark.parametrize("v", INCL, ids=lambda v: f"{v['leaf_index']}of{v['tree_size']}")
def test_rfc9162_vector_inclusion_tampered_fails(v: dict[str, Any]) -> None:
    """Flipped proof bytes, a wrong leaf, index, size, root or proof length never verify."""
    m, n, proof = v["leaf_index"], v["tree_size"], _b(v["proof_hex"])
    for i in range(len(proof)):
        for pos in (0, 31):
            bad = list(proof)
            bad[i] = _flip(bad[i], pos)
            assert not verify_inclusion(LEAVES[m], m, n, bad, ROOTS[n])
    assert not verify_inclusion(_flip(LEAVES[m]), m, n, proof, ROOTS[n])
    assert not verify_inclusion(LEAVES[m], m, n, proof, _flip(ROOTS[n], 31))
    for wrong_m in range(-1, 10):
        if wrong_m != m:
            assert not verify_inclusion(LEAVES[m], wrong_m, n, proof, ROOTS[n])
    for wrong_n in range(0, 9):
        if wrong_n != n:  # claiming another tree size means checking against that tree's root
            assert not verify_inclusion(LEAVES[m], m, wrong_n, proof, ROOTS[wrong_n])
    assert not verify_inclusion(LEAVES[m], m, n, [*proof, ROOTS[n]], ROOTS[n])
    if proof:
        assert not verify_inclusion(LEAVES[m], m, n, proof[:-1], ROOTS[n])


@pytest.mark.parametrize("v", CONS, ids=lambda v: f"{v['size1']}to{v['size2']}")
def test_rfc9162_vector_consistency(v: dict[str, Any]) -> None:
    """Every consistency proof of the vector file is generated exactly and verifies."""
    m, n, proof = v["size1"], v["size2"], _b(v["proof_hex"])
    assert consistency_proof(LEAVES[:n], m) == proof
    assert verify_consistency(m, n, ROOTS[m], ROOTS[n], proof)


@pytest.mark.parametrize("v", CONS, ids=lambda v: f"{v['size1']}to{v['size2']}")
def test_rfc9162_vector_consistency_tampered_fails(v: dict[str, Any]) -> None:
    """Flipped proof bytes, wrong roots, wrong sizes or an extra/missing node never verify."""
    m, n, proof = v["size1"], v["size2"], _b(v["proof_hex"])
    for i in range(len(proof)):
        for pos in (0, 31):
            bad = list(proof)
            bad[i] = _flip(bad[i], pos)
            assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], bad)
    assert not verify_consistency(m, n, _flip(ROOTS[m]), ROOTS[n], proof)
    assert not verify_consistency(m, n, ROOTS[m], _flip(ROOTS[n]), proof)
    for m2 in range(0, 9):
        for n2 in range(0, 9):
            if (m2, n2) == (m, n):
                continue
            # other sizes, checked against their own roots: only their own proof may verify
            own = 0 < m2 <= n2 and consistency_proof(LEAVES[:n2], m2) == proof
            assert verify_consistency(m2, n2, ROOTS[m2], ROOTS[n2], proof) == own
    assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], [*proof, ROOTS[n]])
    if proof:
        assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], proof[:-1])


def test_root_not_proof_binds_the_tree_size() -> None:
    """RFC 9162 property: the audit path of leaf 0 is the same shape in trees of 3 and 4 leaves,
    so a (leaf, proof, root) triple verifies at both sizes; the checkpoint signing (size, root)
    together is what pins the size. Leaves at a different index never verify (same size)."""
    p = inclusion_proof(LEAVES[:3], 0)
    assert verify_inclusion(LEAVES[0], 0, 3, p, ROOTS[3])
    assert verify_inclusion(LEAVES[0], 0, 4, p, ROOTS[3])
    assert not verify_inclusion(LEAVES[0], 0, 4, p, ROOTS[4])


def test_consistency_from_size_zero_is_an_error() -> None:
    """RFC 9162 §2.1.4 defines PROOF(m, D[n]) only for m > 0: 0 → n and even 0 → 0 are errors."""
    for n in (0, 1, 8):
        with pytest.raises(MethodError, match="consistency proof"):
            consistency_proof(LEAVES[:n], 0)
        assert not verify_consistency(0, n, ROOTS[0], ROOTS[n], [])
    with pytest.raises(MethodError):
        consistency_proof(LEAVES[:3], 4)
    assert not verify_consistency(4, 3, ROOTS[4], ROOTS[3], [])


def test_equal_sizes_need_empty_proof_and_equal_roots() -> None:
    """m == n: PROOF is [] and verifies iff the two roots are the same."""
    assert consistency_proof(LEAVES, 8) == []
    assert verify_consistency(8, 8, ROOTS[8], ROOTS[8], [])
    assert not verify_consistency(8, 8, ROOTS[8], ROOTS[7], [])
    assert not verify_consistency(8, 8, ROOTS[8], ROOTS[8], [ROOTS[8]])


def test_out_of_range_inputs_raise_method_error() -> None:
    """Proof generation outside the tree raises the project's error, not IndexError."""
    with pytest.raises(MethodError):
        inclusion_proof(LEAVES, 8)
    with pytest.raises(MethodError):
        inclusion_proof([], 0)
    with pytest.raises(MethodError):
        subtree_root(LEAVES, 3, 9)
    with pytest.raises(MethodError, match="unknown hash suite"):
        hash_function("md5")
    assert hash_function("SM3") is sm3


def test_node_hash_is_domain_separated() -> None:
    """RFC 9162 §2.1.1: leaf = H(0x00‖d), node = H(0x01‖l‖r), so a node never equals a leaf."""
    a, b = LEAVES[0], LEAVES[1]
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert leaf_hash(a + b) != node_hash(a, b)
    assert root(LEAVES[:2]) == node_hash(a, b)


# --- SM3 -------------------------------------------------------------------------------


@needs_sm3
@pytest.mark.parametrize("size", range(9))
def test_sm3_tree_vector_roots(size: int) -> None:
    """sm3_tree_vectors_8leaves.json roots (SM3, cross-checked with gmalg)."""
    leaves = [leaf_hash(d, sm3) for d in _b(SM3V["leaf_inputs_hex"])]
    assert root(leaves[:size], sm3) == bytes.fromhex(SM3V["roots_hex"][str(size)])
    assert naive_mth(_b(SM3V["leaf_inputs_hex"])[:size], sm3) == root(leaves[:size], sm3)


@needs_sm3
def test_sm3_tree_vector_proofs() -> None:
    """sm3_tree_vectors_8leaves.json: inclusion of leaf 0 in 8 and consistency 3 → 7."""
    leaves = [leaf_hash(d, sm3) for d in _b(SM3V["leaf_inputs_hex"])]
    roots = {int(k): bytes.fromhex(v) for k, v in SM3V["roots_hex"].items()}
    incl, cons = _b(SM3V["inclusion_0_8"]), _b(SM3V["consistency_3_7"])
    assert inclusion_proof(leaves, 0, sm3) == incl
    assert verify_inclusion(leaves[0], 0, 8, incl, roots[8], sm3)
    assert not verify_inclusion(leaves[0], 0, 8, incl, roots[8])  # SHA-256 verifier: no
    assert consistency_proof(leaves[:7], 3, sm3) == cons
    assert verify_consistency(3, 7, roots[3], roots[7], cons, sm3)
    bad = [cons[0], _flip(cons[1]), *cons[2:]]
    assert not verify_consistency(3, 7, roots[3], roots[7], bad, sm3)


# --- against the naive recursive definitions --------------------------------------------


def test_every_proof_up_to_40_leaves_matches_naive_and_verifies() -> None:
    """Exhaustive for small trees: all PATH and PROOF values equal the RFC recursion."""
    for n in range(1, 41):
        d, leaves = BIG_INPUTS[:n], BIG_LEAVES[:n]
        r = root(leaves)
        assert r == naive_mth(d)
        for m in range(n):
            p = inclusion_proof(leaves, m)
            assert p == naive_path(m, d)
            assert verify_inclusion(leaves[m], m, n, p, r)
        for m in range(1, n + 1):
            c = consistency_proof(leaves, m)
            assert c == naive_subproof(m, d, True)
            assert verify_consistency(m, n, root(leaves[:m]), r, c)


@st.composite
def _size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(1, MAX))
    return n, draw(st.integers(0, n - 1))


@st.composite
def _old_and_new(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(1, MAX))
    return draw(st.integers(1, n)), n


@settings(max_examples=60, deadline=None)
@given(_size_and_index())
def test_inclusion_matches_naive_rfc_recursion(mn: tuple[int, int]) -> None:
    """Random sizes ≤ 10,000: PATH equals the naive recursion and verifies; a flip fails."""
    n, m = mn
    d, leaves = BIG_INPUTS[:n], BIG_LEAVES[:n]
    r = root(leaves)
    assert r == naive_mth(d)
    p = inclusion_proof(leaves, m)
    assert p == naive_path(m, d)
    assert verify_inclusion(leaves[m], m, n, p, r)
    if p:
        assert not verify_inclusion(leaves[m], m, n, [_flip(p[0]), *p[1:]], r)
    assert not verify_inclusion(leaves[m], (m + 1) % n, n, p, r) or n == 1
    if n < MAX:
        assert not verify_inclusion(leaves[m], m, n + 1, p, root(BIG_LEAVES[: n + 1]))


@settings(max_examples=60, deadline=None)
@given(_old_and_new())
def test_consistency_matches_naive_rfc_recursion(mn: tuple[int, int]) -> None:
    """Random sizes ≤ 10,000: PROOF equals SUBPROOF(m, D[n], true) and verifies; a flip fails."""
    m, n = mn
    d, leaves = BIG_INPUTS[:n], BIG_LEAVES[:n]
    old_root, new_root = root(leaves[:m]), root(leaves)
    c = consistency_proof(leaves, m)
    assert c == naive_subproof(m, d, True)
    assert verify_consistency(m, n, old_root, new_root, c)
    if c:
        assert not verify_consistency(m, n, old_root, new_root, [*c[:-1], _flip(c[-1])])
    if m < n:
        assert not verify_consistency(m, n, old_root, root([*leaves[: n - 1], BIG_LEAVES[0]]), c)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, MAX), st.integers(0, MAX))
def test_subtree_root_is_mth_of_the_slice(a: int, b: int) -> None:
    """subtree_root(D, s, e) == MTH(D[s:e]) for any range, including empty and unaligned."""
    s, e = min(a, b), max(a, b)
    assert subtree_root(BIG_LEAVES, s, e) == naive_mth(BIG_INPUTS[s:e])

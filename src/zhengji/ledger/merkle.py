"""Merkle-tree maths of the ledger, exactly as RFC 9162 §2.1 (same trees as RFC 6962).

Pure functions over lists of leaf hashes: the tree hash (MTH), inclusion proofs (PATH) and
consistency proofs (PROOF/SUBPROOF), and the verifiers of §2.1.3.2 and §2.1.4.2. The hash
function is a parameter so a 国密 deployment can use SM3 with the same tree shape; storage
(precomputed nodes, O(log n) reads) lives elsewhere and reuses ``subtree_root``'s contract.

Why these exact algorithms: an outside auditor must be able to check our proofs with any
standard RFC 9162 verifier (e.g. transparency-dev/merkle), so nothing here may deviate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from zhengji.errors import MethodError

__all__ = [
    "HASHES",
    "HashFn",
    "consistency_proof",
    "consistency_ranges",
    "empty_root",
    "fold",
    "hash_function",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "perfect_subtrees",
    "root",
    "sha256",
    "sm3",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
]

HashFn = Callable[[bytes], bytes]
"""A hash suite: bytes in, digest out (SHA-256 or SM3, both 32 bytes)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def sha256(data: bytes) -> bytes:
    """SHA-256, the RFC 9162 default suite."""
    return hashlib.sha256(data).digest()


def sm3(data: bytes) -> bytes:
    """SM3 (GB/T 32905-2016) through OpenSSL via ``hashlib``; never a pure-Python SM3."""
    try:
        return hashlib.new("sm3", data).digest()
    except ValueError as exc:  # OpenSSL built without SM3
        raise MethodError(
            "此环境的 OpenSSL 不提供 SM3 / SM3 is not available in this Python's OpenSSL"
        ) from exc


HASHES: dict[str, HashFn] = {"sha256": sha256, "sm3": sm3}
"""Hash suites by name, as they appear in settings and exported logs."""


def hash_function(name: str) -> HashFn:
    """Look up a hash suite by name ('sha256' or 'sm3')."""
    try:
        return HASHES[name.lower()]
    except KeyError:
        raise MethodError(
            f"未知的哈希算法 unknown hash suite {name!r}; 可选 allowed: {sorted(HASHES)}"
        ) from None


def leaf_hash(data: bytes, h: HashFn = sha256) -> bytes:
    """H(0x00 ‖ d): the domain-separated hash of one entry (RFC 9162 §2.1.1)."""
    return h(_LEAF_PREFIX + data)


def node_hash(left: bytes, right: bytes, h: HashFn = sha256) -> bytes:
    """H(0x01 ‖ l ‖ r): an interior node, so a node can never pass as a leaf (§2.1.1)."""
    return h(_NODE_PREFIX + left + right)


def empty_root(h: HashFn = sha256) -> bytes:
    """MTH({}) = H(''), the root of the empty tree."""
    return h(b"")


def _split(n: int) -> int:
    """k: the largest power of two strictly smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int, h: HashFn = sha256) -> bytes:
    """MTH(D[start:end]) from leaf hashes, iteratively in O(end - start) with O(log n) memory.

    Keeps a stack of perfect subtrees (a binary counter), then folds it right to left, which
    is exactly the RFC's split at the largest power of two below n.
    """
    if not 0 <= start <= end <= len(leaf_hashes):
        raise MethodError(
            f"子树范围无效 invalid subtree range [{start}, {end}) for {len(leaf_hashes)} leaves"
        )
    if start == end:
        return empty_root(h)
    stack: list[bytes] = []
    for count, i in enumerate(range(start, end), start=1):
        node = leaf_hashes[i]
        # merge once per trailing 1-bit of the leaves seen before this one
        c = count - 1
        while c & 1:
            node = node_hash(stack.pop(), node, h)
            c >>= 1
        stack.append(node)
    acc = stack.pop()
    while stack:
        acc = node_hash(stack.pop(), acc, h)
    return acc


def root(leaf_hashes: Sequence[bytes], h: HashFn = sha256) -> bytes:
    """MTH(D[n]) over all leaf hashes (RFC 9162 §2.1.1); the empty tree gives H('')."""
    return subtree_root(leaf_hashes, 0, len(leaf_hashes), h)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges [start, end) whose subtree hashes form PATH(index, D[size]), leaf to root.

    The proof *shape* without any hashing, so a store can serve each range from precomputed
    perfect-subtree nodes (:func:`perfect_subtrees`) in O(log n) reads.
    """
    if not 0 <= index < size:
        raise MethodError(f"叶序号超出范围 leaf index {index} out of range for tree size {size}")
    ranges: list[tuple[int, int]] = []  # collected root-to-leaf, reversed at the end
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m = lo + k, m - k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges [start, end) whose subtree hashes form PROOF(old_size, D[new_size]).

    Same contract as :func:`consistency_proof` (0 < old size ≤ new size), without hashing.
    """
    n = new_size
    if not 0 < old_size <= n:
        raise MethodError(
            f"一致性证明的旧规模无效 consistency proof needs 0 < old size ≤ new size; "
            f"got old size {old_size}, new size {n} (RFC 9162 §2.1.4: size 0 is an error)"
        )
    ranges: list[tuple[int, int]] = []  # collected top-down, reversed at the end
    lo, hi, m, b = 0, n, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, b = lo + k, m - k, False
    if not b:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect subtrees (level, index) whose fold is MTH(D[start:end]), left to right.

    Valid for every range an RFC 9162 tree, root or proof uses: ``start`` is a multiple of
    the largest power of two ≥ ``end - start`` (checked). Node (level, i) covers leaves
    [i·2^level, (i+1)·2^level); MTH(D[start:end]) = :func:`fold` of their hashes.
    """
    n = end - start
    if n <= 0 or (start and start % (1 << (n - 1).bit_length())):
        raise MethodError(f"子树范围未对齐 range [{start}, {end}) is not an RFC 9162 subtree")
    out: list[tuple[int, int]] = []
    offset = start
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            out.append((level, offset >> level))
            offset += 1 << level
    return out


def fold(hashes: Sequence[bytes], h: HashFn = sha256) -> bytes:
    """Combine perfect-subtree hashes (left to right, sizes decreasing) right to left: the MTH."""
    if not hashes:
        return empty_root(h)
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc, h)
    return acc


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, h: HashFn = sha256) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1, leaf-to-root order, for leaf ``index``."""
    return [
        subtree_root(leaf_hashes, a, b, h) for a, b in inclusion_ranges(index, len(leaf_hashes))
    ]


def consistency_proof(
    leaf_hashes: Sequence[bytes], old_size: int, h: HashFn = sha256
) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1.

    ``old_size == size`` gives []; ``old_size`` 0 (even 0 → 0) or above the size is an error,
    because the RFC defines the proof only for 0 < m ≤ n.
    """
    return [
        subtree_root(leaf_hashes, a, b, h)
        for a, b in consistency_ranges(old_size, len(leaf_hashes))
    ]


def verify_inclusion(
    leaf: bytes,
    index: int,
    size: int,
    proof: Sequence[bytes],
    root_hash: bytes,
    h: HashFn = sha256,
) -> bool:
    """RFC 9162 §2.1.3.2, step for step: is ``leaf`` at ``index`` of the tree ``root_hash``?

    The size is bound by the root (and the checkpoint that signs both), not by the path alone.
    """
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r, h)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p, h)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
    h: HashFn = sha256,
) -> bool:
    """RFC 9162 §2.1.4.2, step for step: is the tree of ``old_root`` a prefix of ``new_root``'s?

    Edge cases: old size 0 or above the new size fails (no proof is defined there); equal sizes
    verify only with an empty proof and identical roots (as transparency-dev/merkle does).
    """
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return len(proof) == 0 and old_root == new_root
    if len(proof) == 0:  # step 1
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # step 2: first is an exact power of 2
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr, h)
            sr = node_hash(c, sr, h)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c, h)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0  # step 7

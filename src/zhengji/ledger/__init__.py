"""Tamper-evident ledger (issue 3): an RFC 9162 Merkle-tree transparency log.

``merkle`` holds the pure tree maths (roots, inclusion and consistency proofs and their
verifiers, SHA-256 or SM3); storage, checkpoints and the CLI build on it.
"""

from __future__ import annotations

from zhengji.ledger.merkle import (
    HASHES,
    HashFn,
    consistency_proof,
    empty_root,
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

__all__ = [
    "HASHES",
    "HashFn",
    "consistency_proof",
    "empty_root",
    "hash_function",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "sha256",
    "sm3",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
]

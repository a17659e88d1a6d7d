"""Tamper-evident ledger (issue 3): an RFC 9162 Merkle-tree transparency log.

``merkle`` holds the pure tree maths (roots, inclusion and consistency proofs and their
verifiers, SHA-256 or SM3); ``canonical`` the RFC 8785 record encoding; ``log`` appends leaves
in the caller's transaction (``append(session, kind, record) -> Entry``); ``tree`` serves roots
and proofs from stored nodes; ``note`` signs checkpoints; ``verify`` recomputes everything.
"""

from __future__ import annotations

from zhengji.ledger.canonical import canonical
from zhengji.ledger.log import Entry, append, append_many, create_ledger, verify_record
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
    "Entry",
    "HashFn",
    "append",
    "append_many",
    "canonical",
    "consistency_proof",
    "create_ledger",
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
    "verify_record",
]

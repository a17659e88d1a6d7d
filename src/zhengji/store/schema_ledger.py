"""ORM tables of the ledger (issue 3): leaves, precomputed nodes, checkpoints.

Migration 0003 creates exactly these.
"""

from __future__ import annotations

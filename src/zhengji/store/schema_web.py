"""ORM tables of web accounts, sessions and the audit log (issue 5).

Migration 0005 creates exactly these.
"""

from __future__ import annotations

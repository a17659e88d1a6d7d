"""ORM tables of citizen requests, surveys and supervisors (issue 4).

Migration 0006 creates exactly these.
"""

from __future__ import annotations

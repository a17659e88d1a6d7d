"""ORM tables of accountability records (issue 3): tenures, decisions, projects, cases, dossiers.

Migration 0004 creates exactly these.
"""

from __future__ import annotations

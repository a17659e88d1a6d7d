"""ORM tables of cadre assessments, recommendation lists, warning-education cases (issue 9).

Migration 0009 creates exactly these.
"""

from __future__ import annotations

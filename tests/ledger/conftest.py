"""``db_url`` for the ledger tests: a fresh SQLite file, and a fresh PostgreSQL database when
``ZHENGJI_TEST_POSTGRES_URL`` is set (same pattern as tests/store/conftest.py)."""

from __future__ import annotations

PG_ENV = "ZHENGJI_TEST_POSTGRES_URL"

"""Store tests use the shared ``db_url`` fixture of ``tests/conftest.py``: a fresh SQLite file,
and a fresh PostgreSQL database when ``ZHENGJI_TEST_POSTGRES_URL`` is set (start one with
``scripts/pg_test_cluster.sh start``)."""

#!/usr/bin/env bash
# Everything `make test` runs: lint, types, then the whole suite against SQLite and a
# throwaway PostgreSQL server that this script installs (Debian package) and starts.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    echo "安装 PostgreSQL installing postgresql (Debian package) for the store tests…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL is not installed and this is not root: run 'sudo apt-get install postgresql'" >&2
    exit 1
  fi
fi

PG_TEST_DIR=$(mktemp -d /tmp/zhengji-pg.XXXXXX)
PG_TEST_PORT=${PG_TEST_PORT:-$((54000 + RANDOM % 900))}
export PG_TEST_DIR PG_TEST_PORT
trap 'scripts/pg_test_cluster.sh stop' EXIT
ZHENGJI_TEST_POSTGRES_URL=$(scripts/pg_test_cluster.sh start)
export ZHENGJI_TEST_POSTGRES_URL

$BIN/ruff check src tests bench examples
$BIN/mypy
$BIN/python -m pytest -n 2 -q "$@"

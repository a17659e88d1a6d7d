#!/usr/bin/env bash
# Everything `make test` runs: lint, types, then the whole suite against SQLite and a
# throwaway PostgreSQL server that this script installs (Debian package) and starts.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# System packages the tests drive for real: PostgreSQL (store), Chromium and CJK fonts (browser
# tests and PDF reports), Pango (WeasyPrint). Installed from Debian when missing.
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "安装 installing ${need[*]} (Debian packages) for the tests…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing system packages: run 'sudo apt-get install ${need[*]}'" >&2
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

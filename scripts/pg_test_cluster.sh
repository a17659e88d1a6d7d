#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the store tests (run as root; see /work/shared/STACK.md).
#   scripts/pg_test_cluster.sh start   # prints the URL to export as ZHENGJI_TEST_POSTGRES_URL
#   scripts/pg_test_cluster.sh stop
# Env: PG_TEST_DIR (default /tmp/zhengji-pg), PG_TEST_PORT (default 54329).
set -euo pipefail
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
DIR=${PG_TEST_DIR:-/tmp/zhengji-pg}
PORT=${PG_TEST_PORT:-54329}
URL="postgresql+psycopg://postgres@127.0.0.1:${PORT}/postgres"

as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    [ -x "$BIN/initdb" ] || { echo "PostgreSQL not installed (apt-get install postgresql)" >&2; exit 1; }
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
      mkdir -p "$DIR/data" "$DIR/sock"
      [ "$(id -u)" = "0" ] && chown -R postgres: "$DIR"
      as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
        -o "-p $PORT -k $DIR/sock -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    fi
    echo "$URL"
    ;;
  stop)
    if [ -f "$DIR/data/PG_VERSION" ]; then
      as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac

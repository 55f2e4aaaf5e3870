#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for the test suite.
#
#   scripts/pg_test_server.sh COMMAND [ARGS...]
#       start a server, run COMMAND with DATABASE_URL pointing at a fresh database,
#       then stop the server and delete its data (also on failure or Ctrl-C);
#       exits with COMMAND's status.
#   scripts/pg_test_server.sh
#       start a server, print its DATABASE_URL and wait until Ctrl-C.
#   scripts/pg_test_server.sh --check
#       exit 0 (printing the bin dir) when the PostgreSQL server binaries are found.
#
# Environment: PG_BINDIR (where initdb/pg_ctl live; found on PATH or under
# /usr/lib/postgresql/*/bin otherwise), PG_PORT (default: a free port),
# PG_DBNAME (default zhibo_test). Run as root, the server runs as the `postgres`
# user (initdb refuses root); otherwise it runs as the current user.
set -euo pipefail

log() { echo "pg_test_server: $*" >&2; }

find_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return 0; fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done
    return 1
}

BINDIR=$(find_bindir) || { log "no initdb/pg_ctl found (install postgresql)"; exit 127; }
if [ "${1:-}" = "--check" ]; then echo "$BINDIR"; exit 0; fi
for tool in initdb pg_ctl; do
    [ -x "$BINDIR/$tool" ] || { log "$BINDIR/$tool missing"; exit 127; }
done
# createdb/psql may live elsewhere than initdb (e.g. /usr/bin wrappers on Debian).
CREATEDB="$BINDIR/createdb"; [ -x "$CREATEDB" ] || CREATEDB=$(command -v createdb || true)
[ -n "$CREATEDB" ] || { log "createdb not found"; exit 127; }

PORT=${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}
DBNAME=${PG_DBNAME:-zhibo_test}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhibo-pg.XXXXXX")
chmod 755 "$TMP"
DATA="$TMP/data"
LOGFILE="$TMP/server.log"

if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { log "running as root but there is no 'postgres' user"; exit 1; }
    chown postgres "$TMP"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

STARTED=0
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ "$STARTED" = 1 ]; then
        as_pg "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$TMP"  # runuser keeps the cwd; the postgres user may not be able to read the caller's
if ! as_pg "$BINDIR/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C >"$TMP/initdb.log" 2>&1; then
    log "initdb failed:"; cat "$TMP/initdb.log" >&2; exit 1
fi
# Loopback only, socket in our temp dir, durability off (throwaway data).
OPTS="-h 127.0.0.1 -p $PORT -k $TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
if ! as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$LOGFILE" -o "$OPTS" -w -t 60 start >/dev/null; then
    log "server failed to start:"; cat "$LOGFILE" >&2 || true; exit 1
fi
STARTED=1
as_pg "$CREATEDB" -h 127.0.0.1 -p "$PORT" -U postgres "$DBNAME"
cd - >/dev/null

export DATABASE_URL="postgresql://postgres@127.0.0.1:$PORT/$DBNAME"
log "PostgreSQL $("$BINDIR/pg_ctl" --version | awk '{print $3}') ready: $DATABASE_URL"

if [ $# -eq 0 ]; then
    echo "$DATABASE_URL"
    log "Ctrl-C stops the server and deletes its data"
    while true; do sleep 3600; done
fi

set +e
"$@"
status=$?
set -e
exit "$status"

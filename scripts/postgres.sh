#!/usr/bin/env bash
# Throwaway PostgreSQL server for tests, from the Debian packages (no Docker).
# Usage: scripts/postgres.sh {install|start|stop|crash|status|url|reset}
# Env: TOUSU_PG_PORT (25432), TOUSU_PG_DIR (/tmp/tousu-pg-<port>; outside the repo because
# the postgres user may not be able to traverse the repo's path), TOUSU_PG_FSYNC (off; `on` for
# benchmarks, so commits cost what they cost on a real server).
set -euo pipefail

# Below the kernel's ephemeral range (32768–60999 on Linux): a port in it can be taken at any moment
# by some client's outgoing connection, and the server then cannot bind it (seen in CI on 55452).
PORT=${TOUSU_PG_PORT:-25432}
FSYNC=${TOUSU_PG_FSYNC:-off}
DIR=${TOUSU_PG_DIR:-/tmp/tousu-pg-$PORT}
DATA=$DIR/data
LOG=$DIR/log

say() { echo "postgres: $*"; }
die() { echo "postgres: error: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
elapsed() { awk -v ms=$(($(now_ms) - $1)) 'BEGIN { printf "%.1f s", ms / 1000 }'; }
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
# Any live socket on the port, listening or not: an outgoing connection's local end blocks a bind too
# (TIME-WAIT ones do not: the server binds with SO_REUSEADDR).
port_taken() { port_open "$1" || { command -v ss >/dev/null && [ -n "$(ss -Htan exclude time-wait "( sport = :$1 )" 2>/dev/null)" ]; }; }
bindir() { ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 | xargs -r dirname || true; }
is_root() { [ "$(id -u)" = 0 ]; }
# The server refuses to run as root, so as root run its tools as the 'postgres' user (cd / : it can't read /root).
as_pg() { if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
running() { [ -n "$BIN" ] && [ -f "$DATA/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
BIN=$(bindir)

cmd_install() {
  if [ -n "$BIN" ]; then [ "${1:-}" = quiet ] || say "found $BIN"; return; fi
  is_root || die "PostgreSQL is not installed; run as root, or: sudo apt-get install -y postgresql"
  say "installing PostgreSQL with apt-get…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q postgresql
  BIN=$(bindir)
  [ -n "$BIN" ] || die "apt-get finished but no /usr/lib/postgresql/*/bin/initdb was found"
}

cmd_start() {
  cmd_install quiet
  mkdir -p "$DIR"
  is_root && chown postgres: "$DIR"
  exec 9>"$DIR/.lock" && flock 9 # serialise concurrent starts on the same port
  if running; then say "already running on 127.0.0.1:$PORT (data: $DATA)"; return; fi
  port_taken "$PORT" && die "127.0.0.1:$PORT is already in use by another socket; pick another port with TOUSU_PG_PORT"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    say "initdb in $DATA ($BIN)"
    as_pg "$BIN/initdb" -D "$DATA" -U tousu --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
      { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  local t0; t0=$(now_ms)
  # fsync=off by default: a throwaway test server; makes the tests' CREATE/DROP DATABASE much faster.
  # TOUSU_PG_FSYNC=on (make bench): commits wait for the disk, as on a real server.
  case "$FSYNC" in on | off) ;; *) die "TOUSU_PG_FSYNC must be 'on' or 'off', not '$FSYNC'" ;; esac
  as_pg "$BIN/pg_ctl" -D "$DATA" -o "-h 127.0.0.1 -p $PORT -k $DIR -c fsync=$FSYNC" -l "$LOG" -w -t 60 start \
    >/dev/null 9>&- || { tail -n 30 "$LOG" >&2; die "server did not start (log: $LOG)"; }
  say "up on 127.0.0.1:$PORT, fsync=$FSYNC ($(elapsed "$t0"))"
}

cmd_stop() {
  if ! running; then say "not running on 127.0.0.1:$PORT"; return; fi
  local t0; t0=$(now_ms)
  as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  say "stopped ($(elapsed "$t0"))"
}

cmd_crash() { # for the chaos run: `-m immediate` kills the server without a checkpoint, as a
  # crash would; the next start recovers from the WAL
  running || die "not running on 127.0.0.1:$PORT"
  local t0; t0=$(now_ms)
  as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null
  say "crashed (-m immediate) on 127.0.0.1:$PORT ($(elapsed "$t0"))"
}

cmd_reset() {
  cmd_stop
  rm -rf "$DIR"
  say "deleted $DIR"
}

cmd_status() {
  if running; then say "running on 127.0.0.1:$PORT (data: $DATA)"; else say "not running on 127.0.0.1:$PORT"; return 3; fi
}

cmd_url() { echo "postgresql://tousu@127.0.0.1:$PORT/postgres"; }

case "${1:-}" in
install | start | stop | crash | status | url | reset) "cmd_$1" ;;
*) echo "usage: $0 {install|start|stop|crash|status|url|reset}" >&2; exit 2 ;;
esac

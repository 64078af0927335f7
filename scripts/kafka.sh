#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft mode: no ZooKeeper, no Docker) for local dev and tests.
# Usage: scripts/kafka.sh {fetch|start|stop|kill9|status|reset}
# Env: TOUSU_KAFKA_PORT (9092), TOUSU_KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (-Xmx768m),
#      TOUSU_KAFKA_SASL_PORT (port + 100): a second listener that takes SASL/PLAIN credentials
#      (user tousu-test, password in .cache/kafka/<port>/sasl-password), for the tests of
#      services connecting with credentials, as they do to a production cluster
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${TOUSU_KAFKA_PORT:-9092}
CONTROLLER_PORT=${TOUSU_KAFKA_CONTROLLER_PORT:-9093}
SASL_PORT=${TOUSU_KAFKA_SASL_PORT:-$((PORT + 100))}
HEAP=${KAFKA_HEAP:--Xmx768m}
POM=$ROOT/tools/kafka/pom.xml
CACHE=$ROOT/.cache/kafka
LIBS=$CACHE/libs
DIR=$CACHE/$PORT
PIDFILE=$DIR/kafka.pid
LOG=$DIR/kafka.log

say() { echo "kafka: $*"; }
die() { echo "kafka: error: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "'$1' not found on PATH; $2"; }
now_ms() { date +%s%3N; }
elapsed() { awk -v ms=$(($(now_ms) - $1)) 'BEGIN { printf "%.1f s", ms / 1000 }'; }
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
# kill -0 succeeds on zombies, and PID 1 in a container may never reap them.
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^[^ ]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
# Serialise start/stop/fetch across concurrent callers (e.g. make test while make run starts).
lock() { [ -n "${LOCKED:-}" ] && return; mkdir -p "$CACHE"; exec 9>"$CACHE/.lock"; flock 9; LOCKED=1; }

pid() { # prints the pid of *our* broker for this port, fails if it isn't running
  local p
  p=$(cat "$PIDFILE" 2>/dev/null) && alive "$p" &&
    grep -qaF "$DIR/server.properties" "/proc/$p/cmdline" && echo "$p"
}

cmd_fetch() {
  local want t0
  want=$(sha256sum "$POM" | cut -d' ' -f1)
  if [ "$(cat "$LIBS/.pom.sha256" 2>/dev/null)" = "$want" ] && compgen -G "$LIBS/kafka_*.jar" >/dev/null; then
    [ "${1:-}" = quiet ] || say "jars up to date in ${LIBS#"$ROOT"/}"
    return
  fi
  need mvn "install Maven (apt-get install -y maven)"
  lock
  say "fetching jars from Maven Central…"
  t0=$(now_ms)
  rm -rf "$LIBS.tmp" # download beside, then swap, so an interrupted fetch never leaves half a libs/
  (cd "$ROOT/tools/kafka" && mvn -B dependency:copy-dependencies \
    -DoutputDirectory="$LIBS.tmp" -DincludeScope=runtime) >"$CACHE/mvn.log" 2>&1 ||
    { tail -n 30 "$CACHE/mvn.log" >&2; die "mvn could not fetch the Kafka jars (full log: ${CACHE#"$ROOT"/}/mvn.log)"; }
  echo "$want" >"$LIBS.tmp/.pom.sha256"
  rm -rf "$LIBS" && mv "$LIBS.tmp" "$LIBS"
  say "fetched $(compgen -G "$LIBS/*.jar" | wc -l) jars into ${LIBS#"$ROOT"/} ($(elapsed "$t0"))"
}

write_config() {
  [ -s "$DIR/sasl-password" ] || (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DIR/sasl-password")
  cat >"$DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_tousu-test="$(cat "$DIR/sasl-password")";
log.dirs=$DIR/data
num.partitions=4
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  # Quiet by default; INFO for the server classes so the "Kafka Server started" line shows up.
  cat >"$DIR/log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF
}

fail_start() {
  say "$1; last lines of ${LOG#"$ROOT"/}:" >&2
  tail -n 40 "$LOG" >&2 || true
  exit 1
}

cmd_start() {
  need java "install a JDK 17+ (apt-get install -y default-jdk-headless)"
  lock
  local p t0 child jvm=(java)
  if p=$(pid); then say "already running on 127.0.0.1:$PORT (pid $p)"; return; fi
  for port in "$PORT" "$CONTROLLER_PORT" "$SASL_PORT"; do
    port_open "$port" && die "127.0.0.1:$port is already in use by another process; pick other ports with TOUSU_KAFKA_PORT / TOUSU_KAFKA_CONTROLLER_PORT / TOUSU_KAFKA_SASL_PORT"
  done
  cmd_fetch quiet
  mkdir -p "$DIR/data"
  write_config
  read -ra heap <<<"$HEAP"
  jvm+=("${heap[@]}" "-Dlog4j.configuration=file:$DIR/log4j.properties" -cp "$LIBS/*")
  if [ ! -f "$DIR/data/meta.properties" ]; then
    say "formatting storage in ${DIR#"$ROOT"/}/data"
    "${jvm[@]}" kafka.tools.StorageTool format -c "$DIR/server.properties" \
      -t "$("${jvm[@]}" kafka.tools.StorageTool random-uuid)" >/dev/null
  fi
  [ -f "$LOG" ] && mv -f "$LOG" "$LOG.prev" # fresh log, so the "started" check can't match an old run
  say "starting broker on 127.0.0.1:$PORT (log: ${LOG#"$ROOT"/})"
  t0=$(now_ms)
  # setsid: own session, so a Ctrl-C in the calling terminal doesn't hit the broker; 9>&- drops the lock.
  setsid "${jvm[@]}" kafka.Kafka "$DIR/server.properties" </dev/null >"$LOG" 2>&1 9>&- &
  child=$!
  echo "$child" >"$PIDFILE"
  while ! { grep -qs "Kafka Server started" "$LOG" && port_open "$PORT"; }; do
    # alive, not pid(): on a busy machine the child may not have exec'd java yet (its
    # command line is still this script's, and the log not even opened)
    alive "$child" || { rm -f "$PIDFILE"; fail_start "broker exited during startup"; }
    if (($(now_ms) - t0 > 90000)); then cmd_stop >&2; fail_start "broker not up after 90 s, stopped it"; fi
    sleep 0.2
  done
  say "up on 127.0.0.1:$PORT ($(elapsed "$t0"))"
}

cmd_stop() {
  lock
  local p t0
  if ! p=$(pid); then rm -f "$PIDFILE"; say "not running on 127.0.0.1:$PORT"; return; fi
  say "stopping broker on 127.0.0.1:$PORT (pid $p)…"
  t0=$(now_ms)
  kill -TERM "$p" 2>/dev/null || true
  while alive "$p" && (($(now_ms) - t0 < 30000)); do sleep 0.2; done
  if alive "$p"; then say "still alive after 30 s, sending SIGKILL"; kill -KILL "$p" 2>/dev/null || true; fi
  rm -f "$PIDFILE"
  say "stopped ($(elapsed "$t0"))"
}

cmd_kill9() { # a crash, for the chaos run: SIGKILL, no clean shutdown; `start` recovers the logs
  lock
  local p t0
  p=$(pid) || die "no broker of ours on 127.0.0.1:$PORT to kill"
  t0=$(now_ms)
  kill -KILL "$p"
  # a JVM's leader thread turns zombie before its other threads let go of the ports
  while alive "$p" || { port_open "$PORT" && (($(now_ms) - t0 < 10000)); }; do sleep 0.05; done
  rm -f "$PIDFILE"
  say "killed -9 broker on 127.0.0.1:$PORT (pid $p, gone in $(elapsed "$t0"))"
}

cmd_status() {
  local p
  if p=$(pid); then say "running on 127.0.0.1:$PORT (pid $p)"; else say "not running on 127.0.0.1:$PORT"; return 3; fi
}

cmd_reset() {
  cmd_stop
  rm -rf "$DIR"
  say "deleted ${DIR#"$ROOT"/} (data, config, logs)"
}

case "${1:-}" in
fetch | start | stop | kill9 | status | reset) "cmd_$1" ;;
*) echo "usage: $0 {fetch|start|stop|kill9|status|reset}" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Run the test suite against a real Kafka broker and PostgreSQL server. Args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

started_kafka=0 started_pg=0
cleanup() {
  if [ "$started_kafka" = 1 ]; then bash scripts/kafka.sh stop || true; fi
  if [ "$started_pg" = 1 ]; then bash scripts/postgres.sh stop || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/fonts.sh # a CJK font for the PDF forms and reports (tests render them); installs it as root
bash scripts/chromium.sh # the browser the console tests drive (Playwright); installs it as root
# Only stop afterwards what wasn't already running (e.g. a broker from `make run`).
bash scripts/kafka.sh status >/dev/null || started_kafka=1
bash scripts/kafka.sh start
bash scripts/postgres.sh status >/dev/null || started_pg=1
bash scripts/postgres.sh start

export TOUSU_TEST_KAFKA_BOOTSTRAP=127.0.0.1:${TOUSU_KAFKA_PORT:-9092}
# the broker's listener that takes credentials (scripts/kafka.sh), and its password file
export TOUSU_TEST_KAFKA_SASL_BOOTSTRAP=127.0.0.1:${TOUSU_KAFKA_SASL_PORT:-$((${TOUSU_KAFKA_PORT:-9092} + 100))}
export TOUSU_TEST_KAFKA_SASL_PASSWORD_FILE=$PWD/.cache/kafka/${TOUSU_KAFKA_PORT:-9092}/sasl-password
export TOUSU_TEST_DATABASE_URL=postgresql+asyncpg://tousu@127.0.0.1:${TOUSU_PG_PORT:-25432}/postgres

rc=0
uv run --all-packages pytest "$@" || rc=$?
if [ "$rc" = 5 ]; then echo "test: pytest collected no tests; treating that as a failure" >&2; fi
exit "$rc"

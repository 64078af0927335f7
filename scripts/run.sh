#!/usr/bin/env bash
# Start Kafka (if needed) and the whole Tousu stack in the foreground; Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

started_kafka=0
cleanup() { if [ "$started_kafka" = 1 ]; then bash scripts/kafka.sh stop; fi; }
trap cleanup EXIT
trap 'exit 0' INT  # Ctrl-C is how a local run is meant to end
trap 'exit 143' TERM

bash scripts/fonts.sh # a CJK font for the PDF forms and reports; installs it as root
bash scripts/kafka.sh status >/dev/null || started_kafka=1 # only stop what we started
bash scripts/kafka.sh start
export TOUSU_KAFKA_BOOTSTRAP="${TOUSU_KAFKA_BOOTSTRAP:-127.0.0.1:${TOUSU_KAFKA_PORT:-9092}}"
# Not `exec`: this shell must outlive the launcher so the EXIT trap can stop Kafka.
uv run --all-packages tousu dev up "$@"

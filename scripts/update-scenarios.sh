#!/usr/bin/env bash
# Regenerate the expected output of the example scenarios with `tousu simulate`.
#
#   bash scripts/update-scenarios.sh                       # every examples/scenarios/**/*.yaml
#   bash scripts/update-scenarios.sh examples/scenarios/property-role-matrix/x.yaml ...
#
# Each <name>.yaml gets <name>.expected.json beside it. This BLESSES whatever the engine
# answers today: afterwards read `git diff examples/scenarios` and check every changed due
# time, status and escalation against REGIMES.md and the holiday calendar (the arithmetic
# is in each scenario's header comment) before committing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find examples/scenarios -name '*.yaml' ! -name '*.expected.*' | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "update-scenarios: no scenario files found" >&2
  exit 1
fi

changed=0
for scenario in "${files[@]}"; do
  case "$scenario" in
    *.yaml) ;;
    *) echo "update-scenarios: $scenario: not a .yaml scenario" >&2; exit 1 ;;
  esac
  expected="${scenario%.yaml}.expected.json"
  tmp="$(mktemp)"
  # Warnings (e.g. a year with no holiday data) go to stderr; stdout is the JSON document.
  if ! uv run tousu simulate "$scenario" >"$tmp"; then
    rm -f "$tmp"
    echo "update-scenarios: $scenario: tousu simulate failed" >&2
    exit 1
  fi
  if ! uv run python -m json.tool "$tmp" >/dev/null; then
    rm -f "$tmp"
    echo "update-scenarios: $scenario: the output is not JSON" >&2
    exit 1
  fi
  if [ -f "$expected" ] && cmp -s "$tmp" "$expected"; then
    echo "unchanged  $expected"
    rm -f "$tmp"
  else
    mv "$tmp" "$expected"
    echo "written    $expected"
    changed=$((changed + 1))
  fi
done

if [ "$changed" -gt 0 ]; then
  echo
  echo "$changed expected file(s) written. Regenerating blesses the engine's answer:"
  echo "check the diff (git diff examples/scenarios) against REGIMES.md before committing."
fi

"""The headline table of `make bench`, from bench/results.json: each figure beside its aim.

``uv run python bench/summary.py`` prints it; ``--readme`` also rewrites the README's block
between ``<!-- bench:begin -->`` and ``<!-- bench:end -->`` (the last step of `make bench`).
A figure a bench has not produced yet shows as "—", never as a number from elsewhere.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sla_report import Row, markdown_table, show_table

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

#: the aims of issue "make bench" on the 2-core machine
AIM_E2E_PER_S = 1000
AIM_RATIO = 0.40
AIM_E2E_P99_MS = 250
AIM_INTAKE_P99_MS = 30
AIM_SLA_P99_S = 1.0
AIM_SLA_RSS_MB = 300
AIM_ARCHIVE_P95_MS = 100


def _num(r: dict[str, Any], key: str, fmt: str, unit: str = "") -> str:
    value = r.get(key)
    return "—" if value is None else f"{value:{fmt}}{unit}"


def _met(r: dict[str, Any], key: str, ok: Any) -> bool | None:
    return None if r.get(key) is None else bool(ok(r[key]))


def e2e_rows(r: dict[str, Any]) -> list[Row]:
    """The end-to-end bench's own table (bench/e2e.py prints it)."""
    ratio = r.get("e2e_ratio")
    return [
        ("end to end, sustained (intake → archived with work order and clocks)",
         _num(r, "e2e_per_s", ",.0f", " /s"), f"≥ {AIM_E2E_PER_S:,} /s",
         _met(r, "e2e_per_s", lambda v: v >= AIM_E2E_PER_S)),
        ("  complaints / seconds until the last was filed",
         f"{r.get('e2e_complaints', 0):,} / {_num(r, 'e2e_seconds', '.1f', ' s')}", "", None),
        ("  intake accepted them at", _num(r, "e2e_intake_accept_per_s", ",.0f", " /s"), "", None),
        ("raw aiokafka relay chain, same hops and size",
         _num(r, "relay_baseline_per_s", ",.0f", " /s"), "", None),
        ("  message size (mean on its topics)", _num(r, "e2e_message_bytes", ",", " B"), "", None),
        ("end to end / baseline", "—" if ratio is None else f"{100 * ratio:.1f} %",
         f"≥ {100 * AIM_RATIO:.0f} %", _met(r, "e2e_ratio", lambda v: v >= AIM_RATIO)),
        ("accept → work order at 200/s, p50", _num(r, "e2e_p50_ms_at_200", ",.0f", " ms"), "", None),
        ("accept → work order at 200/s, p99", _num(r, "e2e_p99_ms_at_200", ",.0f", " ms"),
         f"≤ {AIM_E2E_P99_MS} ms", _met(r, "e2e_p99_ms_at_200", lambda v: v <= AIM_E2E_P99_MS)),
        ("intake request at 200/s, p50", _num(r, "intake_p50_ms_at_200", ",.1f", " ms"), "", None),
        ("intake request at 200/s, p99", _num(r, "intake_p99_ms_at_200", ",.1f", " ms"),
         f"≤ {AIM_INTAKE_P99_MS} ms", _met(r, "intake_p99_ms_at_200", lambda v: v <= AIM_INTAKE_P99_MS)),
        ("  intake took, of 200/s offered", _num(r, "e2e_rate_achieved_per_s", ",.0f", " /s"), "", None),
        ("intake at saturation (one complaint a request)",
         f"{_num(r, 'intake_saturation_per_s', ',.0f', ' req/s')}, p50 "
         f"{_num(r, 'intake_saturation_p50_ms', '.0f', ' ms')}, p99 "
         f"{_num(r, 'intake_saturation_p99_ms', '.0f', ' ms')}", "", None),
        ("relay baseline latency p50 / p99",
         f"{_num(r, 'relay_baseline_p50_ms', '.0f')} / {_num(r, 'relay_baseline_p99_ms', '.0f', ' ms')}",
         "", None),
    ]  # fmt: skip


def headline_rows(r: dict[str, Any]) -> list[Row]:
    """One row per figure the issue names, for the terminal and the README."""
    e2e = e2e_rows(r)
    return [
        *(e2e[i] for i in (0, 3, 5, 7, 9, 10, 11)),  # throughput, baseline, ratio, p99s, intake
        ("triage on one core", _num(r, "triage_texts_per_s", ",.0f", " texts/s"), "", None),
        ("SLA monitor, 1,000,000 open clocks, 1,000 due/s: lateness p99",
         _num(r, "sla_p99_lateness_s", ".2f", " s"), f"≤ {AIM_SLA_P99_S:.0f} s",
         _met(r, "sla_p99_lateness_s", lambda v: v <= AIM_SLA_P99_S)),
        ("SLA monitor peak RSS", _num(r, "sla_rss_mb", ".0f", " MB"), f"≤ {AIM_SLA_RSS_MB} MB",
         _met(r, "sla_rss_mb", lambda v: v <= AIM_SLA_RSS_MB)),
        ("archive case list over 1,000,000 cases, p95", _num(r, "archive_query_p95_ms", ".1f", " ms"),
         f"≤ {AIM_ARCHIVE_P95_MS} ms", _met(r, "archive_query_p95_ms", lambda v: v <= AIM_ARCHIVE_P95_MS)),
    ]  # fmt: skip


def _measured(r: dict[str, Any]) -> str:
    m = r.get("machine", {})
    when = ", ".join(
        f"{name} {r[key][:10]}"
        for name, key in (
            ("end to end", "e2e_measured_at"),
            ("SLA", "sla_measured_at"),
            ("archive", "archive_measured_at"),
        )
        if r.get(key)
    )
    return (
        f"{m.get('cores')} cores, {m.get('memory_gib')} GiB, Python {m.get('python')}, "
        f"PostgreSQL {m.get('postgres')} (fsync {m.get('postgres_fsync')}), Kafka {m.get('kafka')}; "
        f"measured: {when}"
    )


def write_readme(block: str) -> bool:
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}", encoding="utf-8")
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    ap.add_argument("--readme", action="store_true", help="rewrite the README's bench block")
    args = ap.parse_args()
    try:
        r = json.loads(args.results.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"bench summary: cannot read {args.results}: {exc}") from None
    title = "make bench: the headline figures"
    show_table(title, headline_rows(r))
    print(_measured(r))
    if args.readme:
        block = f"{markdown_table(title, headline_rows(r))}\n\n{_measured(r)}."
        if not write_readme(block):
            raise SystemExit(f"bench summary: {README} has no {BEGIN} … {END} block")
        print(f"bench summary: rewrote the table in {README.name}")


if __name__ == "__main__":
    main()

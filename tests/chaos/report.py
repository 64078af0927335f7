"""The chaos run's figures: a table on the terminal, ``bench/chaos.json``, and the README's
block between the ``<!-- chaos -->`` markers (every number there comes from ``make chaos``).
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.sla_report import Row, kafka_version, markdown_table, show_table

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "chaos.json"
README = ROOT / "README.md"
BEGIN, END = "<!-- chaos:begin -->", "<!-- chaos:end -->"


def machine(postgres_version: str, loadavg_at_start: float) -> dict[str, Any]:
    """Where the run ran; the load average says whether other work shared the cores."""
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "postgres": postgres_version,
        "kafka": kafka_version(),
        "loadavg_1m_at_start": round(loadavg_at_start, 2),
        "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
    }


def _n(v: int) -> str:
    return f"{v:,}"


def rows(r: dict[str, Any]) -> list[Row]:
    """(measure, value, aim, aim met?) for the table and the README."""
    load, t, a = r["load"], r["tallies"], r["answers"]
    zero = "0"
    out: list[Row] = [
        (
            "load",
            f"{load['rate_per_s']:g}/s for {load['duration_s']:.0f} s; "
            f"{load['tenants']} groups, {load['estates']} estates, {load['regimes']} regimes",
            "",
            None,
        ),
        (
            "complaints sent / accepted / archived",
            f"{_n(t['sent'])} / {_n(t['accepted'])} / {_n(t['archived'])}",
            "all",
            t["sent"] == t["accepted"] == t["archived"],
        ),
        (
            "intake: taken / 503 / port closed / no answer",
            f"{_n(a['accepted'])} / {_n(a['refused_503'])} / {_n(a['no_connection'])} / {_n(a['no_answer'])}",
            "",
            None,
        ),
        ("  taken on a retry as duplicate (answer lost)", _n(a["duplicates"]), "", None),
        ("  answers neither 2xx nor 503", _n(sum(a["unexpected"].values())), zero, not a["unexpected"]),
    ]
    for f in r["faults"]:
        out.append(
            (
                f"{f['name']} (at {f['at_s']:.0f} s)",
                f"back {f['back_s']:.1f} s, flowing {f['recovered_s']:.1f} s, "
                f"{f['clocks_due_during']} clocks due",
                "",
                None,
            )
        )
    doubled = t["complaints_with_two_work_orders"], t["timeline_work_orders_twice"]
    out += [
        ("lost (accepted, not archived)", _n(t["lost"]), zero, t["lost"] == 0),
        (
            "stored twice / case files unexplained",
            f"{t['registered_twice']} / {t['unknown_case_files']}",
            zero,
            t["registered_twice"] == t["unknown_case_files"] == 0,
        ),
        (
            "work orders for the accepted complaints",
            f"{_n(t['work_orders'])} for {_n(t['accepted'])}",
            "one each",
            t["work_orders"] == t["accepted"] and t["complaints_with_two_work_orders"] == 0,
        ),
        (
            "work order twice / WorkOrderCreated twice",
            " / ".join(str(n) for n in doubled),
            zero,
            sum(doubled) == 0,
        ),
        (
            "events applied twice (case file counts)",
            _n(t["events_applied_twice"]),
            zero,
            t["events_applied_twice"] == 0,
        ),
        ("  events delivered again and skipped", _n(t["redeliveries_dropped"]), "", None),
        (
            "clocks due / fired once / twice / never",
            f"{_n(t['clocks_due'])} / {_n(t['clocks_fired'])} / {t['clocks_fired_twice']} / "
            f"{t['clocks_never_fired']}",
            "all once",
            t["clocks_due"] > 0 and t["clocks_fired"] == t["clocks_due"] and t["clocks_fired_twice"] == 0,
        ),
        (
            "warnings fired / fired twice",
            f"{_n(t['warnings_fired'])} / {t['warnings_fired_twice']}",
            "none twice",
            t["warnings_fired_twice"] == 0,
        ),
        (f"DLQ messages ({t['dlq_topics']} DLQ topics)", _n(t["dlq_messages"]), zero, t["dlq_messages"] == 0),
        (
            "outbox rows left unsent (of them for a DLQ)",
            f"{_n(t['unsent_outbox_rows'])} ({_n(t['unsent_dlq_rows'])})",
            zero,
            t["unsent_outbox_rows"] == 0,
        ),
        (
            "wall time, servers up → verdict (start-up)",
            f"{r['wall_s']:.0f} s ({r['startup_s']:.0f} s)",
            "≤ 300 s",
            r["wall_s"] <= 300,
        ),
    ]
    return out


def title(r: dict[str, Any]) -> str:
    m = r["machine"]
    return (
        f"Chaos run of {r['measured_at'][:10]}: {len(r['faults'])} faults under load "
        f"({m['cores']} cores, load average {m['loadavg_1m_at_start']} → {m['loadavg_1m_at_end']})"
    )


def publish(r: dict[str, Any]) -> None:
    r = {**r, "tallies": dict(r["tallies"]), "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    RESULTS.write_text(json.dumps(r, indent=2, ensure_ascii=False, default=str) + "\n")
    show_table(title(r), rows(r))
    print(f"written to {RESULTS.relative_to(ROOT)} and README.md (between {BEGIN} … {END})")
    _readme(markdown_table(title(r), rows(r)))


def _readme(block: str) -> None:
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        print(f"chaos: README.md has no {BEGIN} … {END} block; figures only in {RESULTS.name}")
        return
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}", encoding="utf-8")

"""A rebuild replays each case's timeline into its case file and clock runs: the same as the
consumer filed them, for files the consumer filed and for files an older version left short
(no summary, no clock runs), and for a purged case."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select
from typer.testing import CliRunner

from tests.unit.archive.filing import filed_archive
from tousu_archive.models import CaseFile, ClockRun
from tousu_archive.purge import purge_case
from tousu_archive.rebuild import rebuild
from tousu_cli.main import app as cli
from tousu_shared.runtime.service import Runtime

NOW = datetime(2026, 12, 6, tzinfo=UTC)


@pytest.fixture
async def rt(tmp_path: Path) -> AsyncIterator[Runtime]:
    async with filed_archive(tmp_path, NOW, cases=50) as runtime:
        yield runtime


async def snapshot(rt: Runtime) -> tuple[list[dict[str, object]], list[tuple[object, ...]]]:
    async with rt.sessions() as session:
        files = [c.model_dump(exclude={"updated_at"}) for c in await session.scalars(select(CaseFile))]
        runs = [
            (r.complaint_id, r.clock, r.started_at, r.outcome, r.due_at, r.breached_at, r.stopped_at)
            for r in await session.scalars(select(ClockRun))
        ]
    return sorted(files, key=lambda f: str(f["complaint_id"])), sorted(runs, key=str)


async def test_a_rebuild_gives_back_what_was_filed_and_fills_what_an_older_version_missed(
    rt: Runtime,
) -> None:
    async with rt.sessions() as session, session.begin():  # a purged case replays as purged
        case = next(c for c in await session.scalars(select(CaseFile)) if c.status == "closed")
        await purge_case(session, rt.topics, case, NOW)
    filed = await snapshot(rt)
    async with rt.engine.begin() as conn:  # what a version before 0005/0006 left
        await conn.execute(sa.text("UPDATE case_files SET summary = NULL, search_grams = NULL, breaches = 0"))
        await conn.execute(sa.text("DELETE FROM clock_runs"))
    assert await snapshot(rt) != filed
    cases, entries = await rebuild(rt.sessions, batch=7)
    assert cases == len(filed[0]) and entries > cases * 10
    assert await snapshot(rt) == filed


def test_the_command_rebuilds_the_archive_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    async def seed() -> str:
        async with filed_archive(tmp_path, NOW, cases=10) as runtime:
            return str(runtime.engine.url)

    url = asyncio.run(seed())
    monkeypatch.setenv("TOUSU_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["archive", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "case files rebuilt from" in result.output
    monkeypatch.setenv("TOUSU_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db")
    result = CliRunner().invoke(cli, ["archive", "rebuild"])
    assert result.exit_code == 1 and "rebuild failed" in result.output

"""A stop of the console does not wait for the browsers: every open page's live stream is
told "closing" and ends, and the process exits at once, cleanly (SIGTERM, as Kubernetes and
`make run`'s Ctrl-C send it)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import orjson
import pytest
from tousu_console.people import hash_password

from tests.integration.harness import ServiceProcess, free_port

pytestmark = pytest.mark.integration


async def test_a_stop_ends_the_open_pages_streams_and_exits_at_once(tmp_path: Path) -> None:
    people = tmp_path / "people.yaml"
    people.write_text(
        "people:\n  - {login: kefu, name: 王敏, tenant: g, roles: [customer_service@e-1], "
        f"password: '{hash_password('stop-test-pass')}'}}\n"
    )
    port = free_port()
    env = {**os.environ, "TOUSU_DATA_DIR": str(tmp_path), "TOUSU_HTTP_PORT": str(port),
           "TOUSU_CONSOLE_PEOPLE_FILE": str(people), "TOUSU_CONSOLE_LIVE_UPDATES": "false"}  # fmt: skip
    console = ServiceProcess("console", port, env, tmp_path / "console.log")
    console.start()
    try:
        async with httpx.AsyncClient(base_url=console.url, timeout=5) as client:
            for _ in range(100):
                try:
                    if (await client.get("/health/ready")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            await client.get("/login")
            form = {"login": "kefu", "password": "stop-test-pass"}
            await client.post("/login", data=form, headers={"x-csrftoken": client.cookies["csrftoken"]})
            async with client.stream("GET", "/live", timeout=None) as stream:
                lines = stream.aiter_lines()
                assert orjson.loads((await anext(lines)).removeprefix("data: ")) == {"type": "hello"}
                stopped = time.monotonic()
                assert console.proc is not None
                console.proc.send_signal(signal.SIGTERM)
                said = [line async for line in lines if line.startswith("data: ")]
        assert said == ['data: {"type":"closing"}']
        assert await console.wait_exit(timeout=10) == 0
        assert time.monotonic() - stopped < 3
    finally:
        if console.proc is not None and console.proc.poll() is None:
            console.kill()
    assert "Traceback" not in (tmp_path / "console.log").read_text(errors="replace")

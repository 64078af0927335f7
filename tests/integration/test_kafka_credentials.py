"""Services connect to Kafka with their own credentials, as to a production cluster: over
the local broker's SASL listener a complaint goes from intake to a work order; with a wrong
password a service never says it is ready and says why."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest

from tests.integration.harness import (
    add_tenant,
    all_dispatched,
    complaint,
    post_complaints,
    running_stack,
    wait_until,
)

pytestmark = pytest.mark.integration


def _sasl_env() -> dict[str, str]:
    bootstrap = os.environ.get("TOUSU_TEST_KAFKA_SASL_BOOTSTRAP", "127.0.0.1:9192")
    password_file = os.environ.get("TOUSU_TEST_KAFKA_SASL_PASSWORD_FILE", ".cache/kafka/9092/sasl-password")
    return {
        "TOUSU_KAFKA_BOOTSTRAP": bootstrap,
        "TOUSU_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "TOUSU_KAFKA_SASL_MECHANISM": "PLAIN",
        "TOUSU_KAFKA_USERNAME": "tousu-test",
        "TOUSU_KAFKA_PASSWORD_FILE": str(Path(password_file).resolve()),
    }


def _read(path: Path) -> str:
    return path.read_text(errors="replace")


async def test_services_work_through_kafka_with_their_credentials(tmp_path: Path) -> None:
    names = ["intake", "triage", "dispatch", "archive"]
    async with running_stack(tmp_path, "sasl", env=_sasl_env(), names=names) as stack:
        tenant = "sasl-group"
        await add_tenant(stack, tenant, {"sasl-1": "logistics-service"})
        await post_complaints(stack, [complaint(tenant, "sasl-1", 1)])
        await wait_until(lambda: all_dispatched(stack, tenant, 1), 90, "dispatched over SASL")
        password = _read(Path(_sasl_env()["TOUSU_KAFKA_PASSWORD_FILE"])).strip()
        for svc in stack.services.values():
            assert password not in svc.log_path.read_text(errors="replace")

        # the same service with a wrong password: never ready, and its log says why
        wrong = tmp_path / "wrong-password"
        wrong.write_text("not-the-password")
        triage = stack.services["triage"]
        triage.kill()
        triage.start(TOUSU_KAFKA_PASSWORD_FILE=str(wrong))
        not_ready = 0
        async with httpx.AsyncClient(timeout=2) as client:
            deadline = asyncio.get_running_loop().time() + 60  # start-up may be slow; then 5 answers
            while not_ready < 5 and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.5)
                try:
                    r = await client.get(f"{triage.url}/health/ready")
                except httpx.HTTPError:
                    continue  # not listening yet
                assert r.status_code == 503, r.text
                not_ready += 1
        assert not_ready >= 5, f"the service answered ready, or never answered:\n{triage.log_tail()}"
        log = _read(triage.log_path)
        assert "Authentication failed" in log or "SaslAuthenticationFailed" in log, triage.log_tail()

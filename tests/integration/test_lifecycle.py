"""Start-up and shutdown as an operator sees them."""

from __future__ import annotations

import signal

import httpx

from tests.integration.harness import ServiceProcess, Stack, free_port, wait_until


async def test_without_kafka_a_service_waits_and_says_why(stack: Stack) -> None:
    env = {
        **stack.services["intake"].env,
        "TOUSU_KAFKA_BOOTSTRAP": "127.0.0.1:1",
        "TOUSU_HTTP_PORT": str(free_port()),
    }
    svc = ServiceProcess("intake", int(env["TOUSU_HTTP_PORT"]), env, stack.workdir / "intake-no-kafka.log")
    svc.start()
    try:
        async with httpx.AsyncClient(base_url=svc.url, timeout=2) as client:

            async def waiting() -> bool | str:
                try:
                    r = await client.get("/health/ready")
                except httpx.HTTPError as exc:
                    return repr(exc)
                return True if r.status_code == 503 and "waiting for Kafka" in r.text else r.text

            await wait_until(waiting, timeout=60, what="readiness to report the missing broker")
            assert (await client.get("/health/live")).status_code == 200
            refused = await client.post("/v1/channels/http/any", json={})
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "2"
    finally:
        assert svc.kill(signal.SIGTERM) == 0, svc.log_tail()


async def test_sigterm_stops_a_busy_service_cleanly(stack: Stack) -> None:
    dispatch = stack.services["dispatch"]
    assert dispatch.kill(signal.SIGTERM) == 0
    assert dispatch.log_count("service stopped") >= 1
    await stack.restart("dispatch")

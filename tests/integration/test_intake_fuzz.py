"""Fuzzing intake through its OpenAPI document (schemathesis): never a 5xx, never half a complaint.

Every operation is called with generated input and the admin token; then the channel
route again with a real account and key, so generated bodies get past authentication
into the adapters and the registration. Afterwards every stored complaint has its event.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.integration.harness import ADMIN, Stack, add_tenant

TENANT = "fuzz-group"
EXAMPLES = 60


def _fuzz(
    operation: Any, base_url: str, headers: dict[str, str], path: dict[str, str] | None = None
) -> list[str]:
    errors: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        if path:
            case.path_parameters = path
        response = case.call(base_url=base_url, headers=headers, timeout=10)
        if response.status_code >= 500 or "Traceback" in response.text:
            errors.append(
                f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:200]}"
            )

    call()
    return errors


async def test_generated_requests_never_get_a_server_error(stack: Stack) -> None:
    await add_tenant(stack, TENANT, {"fz-1": "logistics-service"})  # one estate: the default
    account, key = stack.accounts[TENANT]
    base_url = stack.url("intake")
    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
    errors: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        errors += _fuzz(operation, base_url, ADMIN)
        if operation.method.upper() == "POST" and operation.path == "/v1/channels/{channel}/{account}":
            auth = {"authorization": f"Bearer {key}"}
            errors += _fuzz(operation, base_url, auth, {"channel": "http", "account": account})
    assert errors == [], errors[:5]

    # nothing half-written: each complaint stored for the tenant has the event that tells the rest of Tousu
    stored = await stack.scalar(
        "intake",
        "SELECT count(*) FROM intake_complaints WHERE tenant_id = :t AND status <> 'linked'",
        t=TENANT,
    )
    told = 0
    for event in ("ComplaintReceived", "ComplaintRejected"):
        told += await stack.scalar(
            "intake",
            "SELECT count(*) FROM outbox WHERE topic NOT LIKE '%.dlq'"
            " AND position(convert_to(:t, 'UTF8') in value) > 0"
            " AND position(convert_to(:e, 'UTF8') in value) > 0",
            t=f'"tenant_id":"{TENANT}"',
            e=f'"type":"{event}"',
        )
    assert stored > 0, "the fuzzer should have registered some complaints"
    assert stored == told

"""What an SRE sees of the running stack: one trace per complaint across every service and
Kafka hop, exported over OTLP; Prometheus metrics from each service."""

from __future__ import annotations

import re
import secrets

import httpx

from tests.integration.harness import SERVICES, Stack, add_tenant, complaint, post_complaint, wait_until
from tests.integration.spans import ReceivedSpan

TENANT = "observed"
#: Kafka hops a new complaint takes at once: (publishing service, consuming service)
HOPS = {("intake", "triage"), ("triage", "dispatch"), ("dispatch", "sla-monitor"), ("sla-monitor", "archive")}


async def test_one_trace_follows_a_complaint_from_intake_to_archive(stack: Stack) -> None:
    assert stack.collector is not None
    await add_tenant(stack, TENANT, {f"{TENANT}-1": "community-standard"})
    trace_id, caller_span = secrets.token_hex(16), secrets.token_hex(8)
    body = complaint(TENANT, f"{TENANT}-1", 7)
    async with httpx.AsyncClient(base_url=stack.url("intake"), timeout=30) as client:
        # as an ingress that sampled this request would: the trace is the caller's
        client.headers["traceparent"] = f"00-{trace_id}-{caller_span}-01"
        response = await post_complaint(client, stack, body)
    assert response.status_code == 202, response.text
    complaint_id = response.json()["complaint_id"]

    async def one_tree_through_every_service() -> bool | str:
        spans = stack.collector.spans(trace_id)  # type: ignore[union-attr]
        # every span's parent is in the trace, but the first's, which is the caller's (until
        # then a parent span may still be open while its children were exported)
        return True if _hops(spans) >= HOPS and len(_roots(spans)) == 1 else _describe(spans)

    await wait_until(one_tree_through_every_service, timeout=60, what="the complaint's trace")
    spans = stack.collector.spans(trace_id)
    [root] = _roots(spans)
    assert (root.service, root.parent_id) == ("intake", caller_span)
    assert any(
        s.service == "archive" and s.attributes.get("tousu.complaint_id") == complaint_id for s in spans
    )
    # the database calls are in it, and personal data is not
    assert any(s.attributes.get("db.system") == "postgresql" for s in spans)
    text = repr([s.attributes for s in spans])
    assert body["contact"]["phone"] not in text and body["contact"]["name"] not in text


def _roots(spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
    ids = {s.span_id for s in spans}
    return [s for s in spans if s.parent_id not in ids]


def _hops(spans: list[ReceivedSpan]) -> set[tuple[str, str]]:
    """(publisher, consumer) for each consumer's process span whose parent is a publish span."""
    by_id = {s.span_id: s for s in spans}
    return {
        (parent.service, s.service)
        for s in spans
        if s.name.endswith(" process")
        and (parent := by_id.get(s.parent_id)) is not None
        and parent.name.endswith(" publish")
    }


def _describe(spans: list[ReceivedSpan]) -> str:
    """The trace as received, as a tree, for a failure's message."""
    children: dict[str, list[ReceivedSpan]] = {}
    for s in spans:
        children.setdefault(s.parent_id, []).append(s)
    lines: list[str] = []

    def walk(span: ReceivedSpan, depth: int) -> None:
        lines.append(f"{'  ' * depth}{span.service}: {span.name}")
        for child in children.get(span.span_id, []):
            walk(child, depth + 1)

    for root in _roots(spans):
        walk(root, 0)
    return f"{len(spans)} spans:\n" + "\n".join(lines)


async def test_every_service_serves_its_metrics(stack: Stack) -> None:
    await add_tenant(stack, "metered", {"metered-1": "community-standard"})
    async with httpx.AsyncClient(base_url=stack.url("intake"), timeout=30) as client:
        assert (await post_complaint(client, stack, complaint("metered", "metered-1", 1))).status_code == 202

    async def scraped() -> dict[str, str]:
        async with httpx.AsyncClient(timeout=10) as client:
            return {name: (await client.get(f"{stack.url(name)}/metrics")).text for name in SERVICES}

    async def settled() -> bool | str:
        pages = await scraped()
        lagging = [
            n for n, page in pages.items() if "tousu_consumer_lag_messages{" not in page and n != "intake"
        ]
        return True if not lagging else f"no lag sampled yet in {lagging}"

    await wait_until(settled, timeout=30, what="every consumer's lag sampled")
    pages = await scraped()
    for name, page in pages.items():
        assert "tousu_outbox_unsent " in page and "tousu_outbox_published_total " in page, name
    for name in ("intake", "triage", "dispatch", "sla-monitor"):  # each complaint makes them publish
        assert _value(pages[name], "tousu_outbox_published_total") > 0, name
    for name in ("triage", "dispatch", "sla-monitor", "callback", "archive"):
        assert _value(pages[name], "tousu_consumer_events_total", outcome="applied") > 0, name
        assert "tousu_consumer_batch_seconds_bucket" in pages[name], name
        assert 'tousu_dlq_messages{topic="' in pages[name], name
    # HTTP latency by route template, not by id
    assert 'path="/v1/channels/{channel}/{account}"' in pages["intake"]
    assert "tousu_sla_open_clocks{" in pages["sla-monitor"] and "tousu_sla_cases_due " in pages["sla-monitor"]


def _value(page: str, metric: str, **labels: str) -> float:
    """The sum of ``metric``'s samples (those with ``labels``) on a Prometheus page."""
    total = 0.0
    for line in page.splitlines():
        match = re.match(rf"{metric}(\{{[^}}]*\}})? (\S+)$", line)
        if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
            total += float(match.group(2))
    return total

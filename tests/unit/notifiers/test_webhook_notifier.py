"""The webhook notifier against a webhook on loopback: what it sends, and how each answer
is classed (delivered, try again, refused)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from tests.integration.harness import free_port
from tousu_notifiers import Notification, NotifierConfig, NotifyFailed, Recipient, load_notifier


class Hook(BaseHTTPRequestHandler):
    answer: ClassVar[int] = 200
    seen: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        Hook.seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(Hook.answer)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[str]:
    Hook.seen.clear()
    Hook.answer = 200
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tousu"
    finally:
        server.shutdown()


def notification(url: str | None = None) -> Notification:
    return Notification(
        notification_id="01NOTIFY0000000000000000AB",
        tenant_id="t1",
        complaint_id="c-1",
        kind="escalation",
        recipient=Recipient(staff_id="sh-01", webhook_url=url),
        subject="投诉升级",
        text="c-1 的处理时限已过",
    )


async def test_it_is_installed_and_posts_a_signed_idempotent_body(hook: str) -> None:
    notifier = load_notifier("webhook", NotifierConfig("webhook", {"url": hook, "secret": "hook-secret"}))
    await notifier.send(notification())
    [(headers, body)] = Hook.seen
    assert headers["idempotency-key"] == "01NOTIFY0000000000000000AB"
    expected = hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
    assert headers["x-tousu-signature"] == f"sha256={expected}"
    assert json.loads(body)["text"] == "c-1 的处理时限已过"


@pytest.mark.parametrize(("status", "transient"), [(503, True), (429, True), (400, False), (404, False)])
async def test_each_answer_is_classed(hook: str, status: int, transient: bool) -> None:
    Hook.answer = status
    notifier = load_notifier("webhook", NotifierConfig("webhook", {}))
    with pytest.raises(NotifyFailed) as failed:
        await notifier.send(notification(url=hook))  # the recipient's own URL
    assert failed.value.transient is transient and str(status) in str(failed.value)


async def test_no_url_is_a_refusal_and_an_unreachable_one_a_retry() -> None:
    notifier = load_notifier("webhook", NotifierConfig("webhook", {"timeout_seconds": "2"}))
    with pytest.raises(NotifyFailed) as no_url:
        await notifier.send(notification())
    assert no_url.value.transient is False
    with pytest.raises(NotifyFailed) as unreachable:
        await notifier.send(notification(url=f"http://127.0.0.1:{free_port()}/gone"))
    assert unreachable.value.transient is True


def test_an_unknown_notifier_is_named() -> None:
    with pytest.raises(ValueError, match="no notifier 'pager' is installed"):
        load_notifier("pager")

"""The SMS notifier against an SMS gateway on loopback: what it sends, and how each answer
is classed (delivered, try again, refused), without the phone number in any failure."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from tests.integration.harness import free_port
from tousu_notifiers import Notification, Notifier, NotifierConfig, NotifyFailed, Recipient, load_notifier

PHONE = "13812345678"


class Gateway(BaseHTTPRequestHandler):
    status: ClassVar[int] = 200
    answer: ClassVar[bytes] = b'{"code": 0}'
    seen: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        Gateway.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(Gateway.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(Gateway.answer)))
        self.end_headers()
        self.wfile.write(Gateway.answer)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Gateway)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/sms/send"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def gateway(server: str) -> str:
    Gateway.seen.clear()
    Gateway.status, Gateway.answer = 200, b'{"code": 0}'
    return server


def notification(phone: str | None = PHONE, **data: Any) -> Notification:
    return Notification(
        notification_id="01NOTIFYSMS000000000000000",
        tenant_id="t1",
        complaint_id="c-1",
        kind="escalation",
        recipient=Recipient(staff_id="sh-01", phone=phone),
        subject="投诉升级",
        text="c-1 的处理时限已过，请跟进。",
        data=data,
    )


def notifier(url: str, **values: str) -> Notifier:
    return load_notifier("sms", NotifierConfig("sms", {"url": url, "timeout_seconds": "2", **values}))


async def test_it_is_installed_and_posts_a_signed_idempotent_message(gateway: str) -> None:
    sms = notifier(gateway, api_key="gw-key", sign_name="【锦绣物业】", template="TPL_ESC")
    await sms.send(notification(complaint="c-1", minutes=30, nested={"a": 1}, ratio=0.5, flag=True))
    [(path, headers, body)] = Gateway.seen
    assert path == "/sms/send"
    assert headers["authorization"] == "Bearer gw-key"
    assert headers["content-type"] == "application/json"
    assert headers["idempotency-key"] == "01NOTIFYSMS000000000000000"
    assert json.loads(body) == {
        "phone": PHONE,
        "text": "【锦绣物业】c-1 的处理时限已过，请跟进。",
        "template": "TPL_ESC",
        "params": {"complaint": "c-1", "minutes": 30},  # only str and int values
        "client_msg_id": "01NOTIFYSMS000000000000000",
    }


async def test_without_key_sign_or_template_it_sends_the_bare_text(gateway: str) -> None:
    await notifier(gateway).send(notification())
    [(_, headers, body)] = Gateway.seen
    assert "authorization" not in headers
    sent = json.loads(body)
    assert sent["text"] == "c-1 的处理时限已过，请跟进。" and "template" not in sent and sent["params"] == {}


@pytest.mark.parametrize(
    "answer", [b'{"code": 0}', b'{"code": "0"}', b'{"code": "OK", "message": "sent"}', b"{}", b""]
)
async def test_a_2xx_without_an_error_code_is_delivered(gateway: str, answer: bytes) -> None:
    Gateway.answer = answer
    await notifier(gateway).send(notification())
    assert len(Gateway.seen) == 1


@pytest.mark.parametrize(
    ("status", "answer", "transient", "said"),
    [
        (200, b'{"code": "RATE_LIMITED", "message": "slow down"}', True, "code RATE_LIMITED: slow down"),
        (200, b'{"code": "INVALID_PHONE", "message": "bad number 13812345678"}', False, "138****5678"),
        (200, b'{"code": 1001, "msg": "no balance"}', False, "code 1001: no balance"),
        (429, b"", True, "429"),
        (408, b"", True, "408"),
        (503, b'{"code": "DOWN"}', True, "503 (code DOWN)"),
        (500, b"<html>oops</html>", True, "500"),
        (400, b'{"code": "BAD_TEMPLATE"}', False, "400 (code BAD_TEMPLATE)"),
        (401, b"", False, "401"),
        (404, b"", False, "404"),
    ],
)
async def test_each_answer_is_classed(
    gateway: str, status: int, answer: bytes, transient: bool, said: str
) -> None:
    Gateway.status, Gateway.answer = status, answer
    with pytest.raises(NotifyFailed) as failed:
        await notifier(gateway).send(notification())
    assert failed.value.transient is transient
    assert said in str(failed.value)
    assert PHONE not in str(failed.value)


async def test_the_rate_limit_codes_are_configurable(gateway: str) -> None:
    Gateway.answer = b'{"code": "isv.BUSINESS_LIMIT_CONTROL"}'
    with pytest.raises(NotifyFailed) as failed:
        await notifier(gateway, transient_codes="RATE_LIMITED, isv.BUSINESS_LIMIT_CONTROL").send(
            notification()
        )
    assert failed.value.transient is True
    with pytest.raises(NotifyFailed) as refused:
        await notifier(gateway).send(notification())
    assert refused.value.transient is False


async def test_no_phone_is_a_refusal_and_an_unreachable_gateway_a_retry(gateway: str) -> None:
    for phone in (None, "", "  "):
        with pytest.raises(NotifyFailed) as no_phone:
            await notifier(gateway).send(notification(phone=phone))
        assert no_phone.value.transient is False
    assert Gateway.seen == []
    with pytest.raises(NotifyFailed) as unreachable:
        await notifier(f"http://127.0.0.1:{free_port()}/gone").send(notification())
    assert unreachable.value.transient is True
    assert PHONE not in str(unreachable.value)


def test_settings_are_checked_when_it_is_loaded() -> None:
    with pytest.raises(ValueError, match="TOUSU_NOTIFIER_SMS_URL"):
        load_notifier("sms", NotifierConfig("sms", {}))
    with pytest.raises(ValueError, match="TOUSU_NOTIFIER_SMS_TIMEOUT_SECONDS"):
        load_notifier("sms", NotifierConfig("sms", {"url": "http://127.0.0.1/", "timeout_seconds": "soon"}))


def test_it_reads_its_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUSU_NOTIFIER_SMS_URL", "http://127.0.0.1:1/sms")
    monkeypatch.setenv("TOUSU_NOTIFIER_SMS_SIGN_NAME", "【锦绣物业】")
    sms = load_notifier("sms")
    assert sms.config.get("url") == "http://127.0.0.1:1/sms"
    assert sms.config.get("sign_name") == "【锦绣物业】"

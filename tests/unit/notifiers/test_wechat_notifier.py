"""The WeChat template notifier against a fake of WeChat's API on loopback: the token it
fetches and keeps, the template message it sends, and how each answer is classed
(delivered, try again, refused), without the secret, the token or the openid in any failure."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.harness import free_port
from tousu_notifiers import Notification, Notifier, NotifierConfig, NotifyFailed, Recipient, load_notifier

APPID, SECRET, OPENID = "wx-appid-1", "wx-secret-do-not-log", "o-openid-of-sh01"


class WeChat(BaseHTTPRequestHandler):
    """``/cgi-bin/token`` hands out token-1, token-2, …; the send answers are scripted, then errcode 0."""

    token_answers: ClassVar[list[tuple[int, dict[str, Any]]]] = []
    send_answers: ClassVar[list[tuple[int, dict[str, Any]]]] = []
    token_requests: ClassVar[list[dict[str, list[str]]]] = []
    sends: ClassVar[list[tuple[str, dict[str, Any]]]] = []  # (access_token, body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        assert url.path == "/cgi-bin/token"
        WeChat.token_requests.append(parse_qs(url.query))
        n = len(WeChat.token_requests)
        default = (200, {"access_token": f"token-{n}", "expires_in": 7200})
        self._answer(*(WeChat.token_answers.pop(0) if WeChat.token_answers else default))

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        assert url.path == "/cgi-bin/message/template/send"
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        WeChat.sends.append((parse_qs(url.query)["access_token"][0], json.loads(body)))
        ok = (200, {"errcode": 0, "errmsg": "ok", "msgid": 200228332})
        self._answer(*(WeChat.send_answers.pop(0) if WeChat.send_answers else ok))

    def _answer(self, status: int, data: dict[str, Any]) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), WeChat)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def api(server: str) -> str:
    for kept in (WeChat.token_answers, WeChat.send_answers, WeChat.token_requests, WeChat.sends):
        kept.clear()
    return server


def notifier(api_base: str, **values: str) -> Notifier:
    settings = {
        "appid": APPID,
        "secret": SECRET,
        "template_id": "TPL-DEFAULT",
        "api_base": api_base,
        "timeout_seconds": "2",
        **values,
    }
    return load_notifier("wechat", NotifierConfig("wechat", settings))


def notification(openid: str | None = OPENID, kind: str = "escalation", **data: Any) -> Notification:
    return Notification(
        notification_id="01NOTIFYWX0000000000000000",
        tenant_id="t1",
        complaint_id="c-1",
        kind=kind,
        recipient=Recipient(staff_id="sh-01", wechat_openid=openid),
        subject="投诉升级",
        text="c-1 的处理时限已过，请跟进。",
        data=data,
    )


def assert_nothing_secret(failed: NotifyFailed) -> None:
    text = str(failed)
    assert SECRET not in text and OPENID not in text and "token-" not in text


async def test_it_is_installed_and_sends_the_template_message(api: str) -> None:
    await notifier(api, url="https://tousu.example/c").send(notification(remark="请于今日处理", minutes=30))
    [token_request] = WeChat.token_requests
    assert token_request == {"grant_type": ["client_credential"], "appid": [APPID], "secret": [SECRET]}
    [(token, body)] = WeChat.sends
    assert token == "token-1"
    assert body == {
        "touser": OPENID,
        "template_id": "TPL-DEFAULT",
        "url": "https://tousu.example/c",
        "data": {
            "first": {"value": "投诉升级"},
            "keyword1": {"value": "c-1"},
            "keyword2": {"value": "c-1 的处理时限已过，请跟进。"},
            "remark": {"value": "请于今日处理"},  # the notification's str data win; 30 is no str
        },
    }


async def test_the_kind_picks_the_template_and_the_data_the_link(api: str) -> None:
    wechat = notifier(api, template_callback_survey="TPL-SURVEY", url="https://tousu.example/default")
    await wechat.send(notification(kind="callback_survey", url="https://tousu.example/s/1", thing1="满意度"))
    await wechat.send(notification(kind="escalation"))
    [(_, survey), (_, escalation)] = WeChat.sends
    assert (survey["template_id"], survey["url"]) == ("TPL-SURVEY", "https://tousu.example/s/1")
    assert survey["data"]["thing1"] == {"value": "满意度"}
    assert (escalation["template_id"], escalation["url"]) == ("TPL-DEFAULT", "https://tousu.example/default")


async def test_without_a_url_setting_the_message_has_no_link(api: str) -> None:
    await notifier(api).send(notification())
    [(_, body)] = WeChat.sends
    assert "url" not in body


async def test_the_token_is_kept_across_sends_until_shortly_before_it_expires(api: str) -> None:
    wechat: Any = notifier(api)  # a WechatNotifier, whose clock the test moves on
    now = [1000.0]
    wechat.clock = lambda: now[0]
    await wechat.send(notification())
    await wechat.send(notification())
    assert len(WeChat.token_requests) == 1
    now[0] += 7200 - 300 - 1
    await wechat.send(notification())
    assert len(WeChat.token_requests) == 1
    now[0] += 2  # within the last five minutes of its 7200 s
    await wechat.send(notification())
    assert len(WeChat.token_requests) == 2
    assert [token for token, _ in WeChat.sends] == ["token-1", "token-1", "token-1", "token-2"]


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
async def test_a_rejected_token_is_fetched_again_within_the_send(api: str, errcode: int) -> None:
    wechat = notifier(api)
    await wechat.send(notification())
    WeChat.send_answers.append((200, {"errcode": errcode, "errmsg": "access_token expired"}))
    await wechat.send(notification())
    assert len(WeChat.token_requests) == 2
    assert [token for token, _ in WeChat.sends] == ["token-1", "token-1", "token-2"]
    await wechat.send(notification())  # the new token is kept
    assert len(WeChat.token_requests) == 2


async def test_a_fresh_token_rejected_too_is_a_retry_later(api: str) -> None:
    rejected = (200, {"errcode": 40001, "errmsg": "invalid credential"})
    WeChat.send_answers.extend([rejected, rejected])
    with pytest.raises(NotifyFailed) as failed:
        await notifier(api).send(notification())
    assert failed.value.transient is True and "40001" in str(failed.value)
    assert len(WeChat.sends) == 2
    assert_nothing_secret(failed.value)


@pytest.mark.parametrize(
    ("status", "answer", "transient"),
    [
        (200, {"errcode": -1, "errmsg": "system error"}, True),
        (200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}, True),
        (200, {"errcode": 43004, "errmsg": "require subscribe"}, False),
        (200, {"errcode": 40003, "errmsg": f"invalid openid {OPENID}"}, False),
        (200, {"errcode": 40037, "errmsg": "invalid template_id"}, False),
        (200, {"errcode": 47003, "errmsg": "argument invalid! data.keyword1.value invalid"}, False),
        (200, {"errcode": 99999, "errmsg": "something new"}, False),
        (502, {"errcode": -1}, True),
        (403, {}, False),
    ],
)
async def test_each_answer_is_classed(api: str, status: int, answer: dict[str, Any], transient: bool) -> None:
    WeChat.send_answers.append((status, answer))
    with pytest.raises(NotifyFailed) as failed:
        await notifier(api).send(notification())
    assert failed.value.transient is transient
    if status == 200:
        assert f"errcode {answer['errcode']}" in str(failed.value)
        assert answer["errmsg"].split()[0] in str(failed.value)
    else:
        assert str(status) in str(failed.value)
    assert_nothing_secret(failed.value)


@pytest.mark.parametrize(
    ("answer", "transient"),
    [
        ((200, {"errcode": 40125, "errmsg": f"invalid appsecret {SECRET}"}), False),
        ((200, {"errcode": 40164, "errmsg": "invalid ip, not in whitelist"}), False),
        ((200, {"errcode": -1, "errmsg": "system error"}), True),
        ((503, {}), True),
    ],
)
async def test_a_token_not_given_is_classed(
    api: str, answer: tuple[int, dict[str, Any]], transient: bool
) -> None:
    WeChat.token_answers.append(answer)
    with pytest.raises(NotifyFailed) as failed:
        await notifier(api).send(notification())
    assert failed.value.transient is transient
    assert WeChat.sends == []
    assert_nothing_secret(failed.value)


async def test_no_openid_is_a_refusal_and_an_unreachable_api_a_retry(api: str) -> None:
    for openid in (None, "", " "):
        with pytest.raises(NotifyFailed) as no_openid:
            await notifier(api).send(notification(openid=openid))
        assert no_openid.value.transient is False
    assert WeChat.token_requests == [] and WeChat.sends == []
    with pytest.raises(NotifyFailed) as unreachable:
        await notifier(f"http://127.0.0.1:{free_port()}").send(notification())
    assert unreachable.value.transient is True
    assert_nothing_secret(unreachable.value)


@pytest.mark.parametrize("missing", ["appid", "secret", "template_id"])
def test_settings_are_checked_when_it_is_loaded(missing: str) -> None:
    settings = {"appid": APPID, "secret": SECRET, "template_id": "TPL-DEFAULT"}
    del settings[missing]
    with pytest.raises(ValueError, match=f"TOUSU_NOTIFIER_WECHAT_{missing.upper()}") as failed:
        load_notifier("wechat", NotifierConfig("wechat", settings))
    assert SECRET not in str(failed.value)

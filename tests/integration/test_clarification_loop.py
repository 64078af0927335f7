"""The clarification loop through the real broker, on the WeChat channel's own deployment.

A resident writes only "电梯坏了" to the official account. Triage cannot act on it; intake
asks triage's questions through the WeChat customer-service API (a fake one on loopback);
the resident's next message answers them and the same case is read again (revision 2).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest

from tests.integration.harness import (
    ADMIN,
    Stack,
    add_tenant,
    free_port,
    start_channel_deployment,
    wait_until,
)

TENANT = "wx-group"
TOKEN = "wechat-token-0123456789"
OPENID = "oResident_wx_0001"


class FakeWeChatApi(BaseHTTPRequestHandler):
    sent: ClassVar[list[dict[str, Any]]] = []

    def do_GET(self) -> None:  # /cgi-bin/token
        self._json({"access_token": "fake-token", "expires_in": 7200})

    def do_POST(self) -> None:  # /cgi-bin/message/custom/send
        length = int(self.headers.get("content-length", 0))
        FakeWeChatApi.sent.append(json.loads(self.rfile.read(length)))
        self._json({"errcode": 0, "errmsg": "ok"})

    def _json(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def wechat_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), FakeWeChatApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _push(text: str, msg_id: int) -> tuple[str, dict[str, str]]:
    now = str(int(time.time()))
    nonce = f"n{msg_id}"
    signature = hashlib.sha1("".join(sorted([TOKEN, now, nonce])).encode()).hexdigest()
    xml = (
        f"<xml><ToUserName><![CDATA[gh_wx_group]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )
    return xml, {"signature": signature, "timestamp": now, "nonce": nonce}


async def test_a_vague_wechat_message_is_clarified_and_the_case_read_again(
    stack: Stack, wechat_api: str
) -> None:
    await add_tenant(stack, TENANT, {"wx-1": "property-role-matrix"})
    await start_channel_deployment(
        stack,
        "wechat",
        {
            "TOUSU_CHANNEL_WECHAT_API_BASE": wechat_api,
            "TOUSU_CHANNEL_WECHAT_APPID": "wx-appid",
            "TOUSU_CHANNEL_WECHAT_APPSECRET": "wx-appsecret",
        },
    )
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers=ADMIN) as client:
        r = await client.put(
            "/v1/channel-accounts/wx-group-oa",
            json={"channel": "wechat", "tenant_id": TENANT, "estates": ["wx-1"], "secret": TOKEN},
        )
        assert r.status_code == 200, r.text

    async with httpx.AsyncClient(base_url=stack.url("intake-wechat"), timeout=10) as wx:
        xml, query = _push("电梯坏了", 880001)
        first = await wx.post("/v1/channels/wechat/wx-group-oa", params=query, content=xml)
        assert first.status_code == 200 and "编号" in first.text, first.text
        retried = await wx.post("/v1/channels/wechat/wx-group-oa", params=query, content=xml)
        complaint_id = await stack.scalar(
            "intake", "SELECT complaint_id FROM intake_complaints WHERE tenant_id = :t", t=TENANT
        )
        assert complaint_id in first.text and complaint_id in retried.text  # WeChat's retry: one complaint

        async def asked() -> bool | int:
            return True if FakeWeChatApi.sent else len(FakeWeChatApi.sent)

        await wait_until(asked, timeout=60, what="the questions sent through WeChat")
        [question] = FakeWeChatApi.sent
        assert question["touser"] == OPENID and "电梯" in question["text"]["content"]

        xml, query = _push("3号楼2单元那部，没有人被困，就是门一直关不上", 880002)
        answer = await wx.post("/v1/channels/wechat/wx-group-oa", params=query, content=xml)
        assert answer.status_code == 200 and complaint_id in answer.text, answer.text

    async def read_again() -> bool | list[Any]:
        async with httpx.AsyncClient(base_url=stack.url("archive"), headers=ADMIN) as client:
            case = (await client.get(f"/v1/complaints/{complaint_id}")).json()
        triaged = [e["payload"] for e in case.get("timeline", []) if e["type"] == "ComplaintTriaged"]
        types = [e["type"] for e in case.get("timeline", [])]
        return True if "ComplaintClarified" in types and len(triaged) == 2 else types

    await wait_until(read_again, timeout=60, what="the answer read with the complaint")
    count = await stack.scalar(
        "intake", "SELECT count(*) FROM intake_complaints WHERE tenant_id = :t", t=TENANT
    )
    assert count == 2  # the complaint and its answer; one case
    assert (
        await stack.scalar("dispatch", "SELECT count(*) FROM work_orders WHERE tenant_id = :t", t=TENANT) == 1
    )

    # the SLA monitor's clocks follow the second reading
    last = await _last_reading(stack, complaint_id)

    async def monitor_follows() -> bool | dict[str, Any]:
        async with httpx.AsyncClient(base_url=stack.url("sla-monitor"), headers=ADMIN) as client:
            r = await client.get(f"/v1/cases/{complaint_id}/clocks", params={"tenant": TENANT})
        view = r.json() if r.status_code == 200 else {}
        keys = ("topic", "category", "department", "urgency")
        seen = {k: (view.get("classification") or {}).get(k) for k in keys}
        return True if view.get("revision") == 2 and seen == {k: last[k] for k in keys} else view

    await wait_until(monitor_follows, timeout=60, what="the monitor on the second reading")


async def _last_reading(stack: Stack, complaint_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=stack.url("archive"), headers=ADMIN) as client:
        case = (await client.get(f"/v1/complaints/{complaint_id}")).json()
    return [e["payload"] for e in case["timeline"] if e["type"] == "ComplaintTriaged"][-1]

"""The channel team's own test: the SDK's conformance kit over this adapter."""

from __future__ import annotations

import json

from tousu_channel_hotline12345 import Hotline12345Channel

from tousu_channels import HttpIn
from tousu_channels.conformance import ChannelConformance
from tousu_channels.signing import signed_headers

ORDER = {
    "gdbh": "SZ12345-20261202-000173",
    "ldr": "陈女士",
    "ldhm": "13700002222",
    "sqnr": "小区地下车库积水严重，已经淹到车轮一半，物业一直没人来抽水",
    "fssj": "2026-12-02 07:40",
    "xqdz": "3栋地下车库",
    "xqbm": "jx-lanting",
}


def _order(**changes: object) -> HttpIn:
    return HttpIn(body=json.dumps({**ORDER, **changes}, ensure_ascii=False).encode())


class TestHotline12345(ChannelConformance):
    adapter_class = Hotline12345Channel

    def good_messages(self) -> list[HttpIn]:
        return [_order(), _order(gdbh="SZ12345-20261202-000174", fssj=None, ldr=None)]

    def bad_messages(self) -> list[HttpIn]:
        return [_order(ldhm="unknown"), _order(fssj="昨天早上"), HttpIn(body=b"<xml/>"), _order(sqnr="")]

    def sign(self, request: HttpIn, secret: str, now: float) -> HttpIn:
        return request.model_copy(update={"headers": signed_headers(secret, request.body, now)})

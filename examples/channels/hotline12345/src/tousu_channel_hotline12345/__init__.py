"""A city's 12345 hotline forwards residents' complaints about an estate as work orders (工单).

This is the SDK's worked example (channels/sdk/README.md): a channel team's own package,
registered under the ``tousu.channels`` entry point, installed beside intake, and run with
``TOUSU_CHANNELS=hotline12345``. The platform posts JSON like::

    {"gdbh": "SZ12345-20261202-000173", "ldr": "陈女士", "ldhm": "13700002222",
     "sqnr": "小区地下车库积水严重……", "fssj": "2026-12-02 07:40", "xqdz": "3栋", "xqbm": "jx-lanting"}

(工单编号, 来电人, 来电号码, 诉求内容, 发生时间, 小区地址, 小区编码) and signs it with Tousu's
HMAC headers, the SDK's default.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tousu_channels import BadMessage, ChannelAdapter, ComplaintDraft, ContactDraft, HttpIn
from tousu_channels.validation import describe_validation_error
from tousu_shared.contracts.events import Channel

_CHINA = ZoneInfo("Asia/Shanghai")


class HotlineOrder(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    gdbh: str = Field(min_length=1, max_length=100, description="工单编号")
    ldr: str | None = Field(default=None, max_length=50, description="来电人")
    ldhm: str = Field(pattern=r"^\+?[0-9][0-9 ()-]{4,24}$", description="来电号码")
    sqnr: str = Field(min_length=1, description="诉求内容")
    fssj: str | None = Field(default=None, description="发生时间, YYYY-MM-DD HH:MM, Beijing time")
    xqdz: str | None = Field(default=None, max_length=200, description="小区地址")
    xqbm: str | None = Field(default=None, max_length=64, description="小区编码 = Tousu estate id")


class Hotline12345Channel(ChannelAdapter):
    name = "hotline12345"

    def parse(self, request: HttpIn) -> list[ComplaintDraft]:
        try:
            order = HotlineOrder.model_validate(json.loads(request.body))
            occurred = (
                datetime.strptime(order.fssj, "%Y-%m-%d %H:%M").replace(tzinfo=_CHINA) if order.fssj else None
            )
            return [
                ComplaintDraft(
                    source_message_id=f"12345:{order.gdbh}",
                    channel=Channel.phone,
                    text=order.sqnr,
                    estate_id=order.xqbm,
                    location=order.xqdz,
                    occurred_at=occurred,
                    contact=ContactDraft(name=order.ldr, phone=order.ldhm),
                )
            ]
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadMessage(f"not JSON: {exc}") from None
        except ValidationError as exc:
            raise BadMessage(describe_validation_error(exc)) from None
        except ValueError as exc:  # fssj not in the platform's format
            raise BadMessage(f"fssj: {exc}") from None

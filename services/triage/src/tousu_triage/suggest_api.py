"""``POST /v1/triage/suggest``: how triage would read a text, before it is registered, so a
desk clerk sees the likely department and the questions to ask while the resident is still
on the line. Nothing is stored; the registered complaint is triaged again as usual."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.exceptions import NotFoundException
from litestar.status_codes import HTTP_200_OK
from pydantic import BaseModel, ConfigDict, Field

from tousu_shared.contracts.events import Channel
from tousu_shared.regimes import REGIME_IDS
from tousu_shared.runtime.service import identity_of, runtime_of
from tousu_triage.handlers import reader, regime_of
from tousu_triage.triage import triage


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    regime: str = Field(min_length=1, max_length=100, description="the estate's regime id")
    text: str = Field(min_length=1, max_length=2000)
    channel: Channel = Channel.phone


@post("/v1/triage/suggest", tags=["triage"], status_code=HTTP_200_OK)
async def suggest(request: Request[Any, Any, Any], data: SuggestIn) -> dict[str, Any]:
    await identity_of(request).caller(request)  # any signed-in person of any group: no case data here
    if data.regime not in REGIME_IDS or data.regime not in runtime_of(request).regimes:
        raise NotFoundException(f"this triage deployment does not read regime {data.regime!r}")
    # in the loop, as the consumer does: one reading is a fraction of a millisecond
    result = triage(reader(), regime_of(data.regime), data.text, channel=data.channel.value)
    return result.as_json()

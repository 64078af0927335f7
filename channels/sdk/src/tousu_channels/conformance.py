"""The conformance kit: the checks every channel adapter must pass, as a pytest class.

A channel team subclasses :class:`ChannelConformance` in its own tests::

    class TestMyChannel(ChannelConformance):
        adapter_class = MyChannel
        def good_messages(self): return [HttpIn(body=...), ...]   # real samples from the source
        def bad_messages(self): return [HttpIn(body=b"<xml"), ...]  # malformed ones

and runs pytest. Each ``test_*`` method below is one rule of the contract with intake.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence
from typing import ClassVar

import pytest

from tousu_channels.adapter import ChannelAdapter, ChannelConfig
from tousu_channels.errors import BadMessage, ChannelError, Unauthorised
from tousu_channels.model import ComplaintDraft, HttpIn, HttpOut, Outcome
from tousu_channels.registry import load_adapter

SECRET = "conformance-secret-0123456789"
NOW = 1_790_000_000.0


class ChannelConformance:
    adapter_class: ClassVar[type[ChannelAdapter]]
    #: settings the adapter needs (``TOUSU_CHANNEL_<NAME>_<KEY>`` in production)
    config: ClassVar[dict[str, str]] = {}
    #: how many garbled variants of each good message to try
    garbled_per_message: ClassVar[int] = 40
    #: refusals the source must get as 200 with an explanation (WeChat shows any other status
    #: to the resident as "service unavailable")
    refusals_answered_in_band: ClassVar[frozenset[int]] = frozenset()

    # --- what the channel team provides ------------------------------------------------
    def good_messages(self) -> Sequence[HttpIn]:
        """Real messages from the source, unsigned (the kit signs them with :meth:`sign`)."""
        raise NotImplementedError

    def bad_messages(self) -> Sequence[HttpIn]:
        """Messages the adapter must refuse with BadMessage (malformed, missing fields …)."""
        raise NotImplementedError

    def sign(self, request: HttpIn, secret: str, now: float) -> HttpIn:
        """Sign ``request`` the way the source does. Default: Tousu's API-key header."""
        return request.model_copy(
            update={"headers": {**request.headers, "authorization": f"Bearer {secret}"}}
        )

    # --- the contract -------------------------------------------------------------------
    def adapter(self) -> ChannelAdapter:
        return self.adapter_class(ChannelConfig(self.adapter_class.name, self.config))

    def test_the_adapter_is_installed_under_its_name(self) -> None:
        loaded = load_adapter(self.adapter_class.name, ChannelConfig(self.adapter_class.name, self.config))
        assert type(loaded) is self.adapter_class

    def test_it_can_be_reached(self) -> None:
        a = self.adapter_class
        assert a.webhook or a.poller, "an adapter receives webhooks, polls a source, or both"

    def test_good_messages_become_valid_drafts(self) -> None:
        assert self.good_messages(), "give at least one real sample"
        for message in self.good_messages():
            drafts = self.adapter().parse(message)
            assert drafts, f"no complaint read from {message.body[:60]!r}"
            for draft in drafts:
                assert isinstance(draft, ComplaintDraft)
                ComplaintDraft.model_validate(draft.model_dump())  # still valid after a round trip
                assert draft.text.strip()

    def test_a_retried_message_has_the_same_idempotency_key(self) -> None:
        for message in self.good_messages():
            first = [d.source_message_id for d in self.adapter().parse(message)]
            again = [d.source_message_id for d in self.adapter().parse(message.model_copy())]
            assert first == again, "a retried delivery must give the same source_message_id"

    def test_different_messages_have_different_keys(self) -> None:
        keys = [d.source_message_id for m in self.good_messages() for d in self.adapter().parse(m)]
        assert len(keys) == len(set(keys)), "two messages share an idempotency key"

    def test_bad_messages_raise_bad_message(self) -> None:
        assert self.bad_messages(), "give at least one malformed sample"
        for message in self.bad_messages():
            with pytest.raises(BadMessage):
                self.adapter().parse(message)

    def test_garbled_messages_never_raise_anything_else(self) -> None:
        rng = random.Random(20261202)
        for message in self.good_messages():
            for _ in range(self.garbled_per_message):
                garbled = message.model_copy(update={"body": _garble(message.body, rng)})
                with contextlib.suppress(ChannelError):
                    self.adapter().parse(garbled)

    def test_signed_messages_pass_and_others_are_unauthorised(self) -> None:
        if not self.adapter_class.webhook:
            return
        adapter = self.adapter()
        for message in self.good_messages():
            adapter.verify(self.sign(message, SECRET, NOW), SECRET, NOW)
            with pytest.raises(Unauthorised):
                adapter.verify(message, SECRET, NOW)
            with pytest.raises(Unauthorised):
                adapter.verify(self.sign(message, "another-secret-0123456789", NOW), SECRET, NOW)

    def test_every_outcome_gets_an_answer_the_source_accepts(self) -> None:
        adapter = self.adapter()
        message = self.good_messages()[0]
        drafts = adapter.parse(message)
        for status in ("received", "duplicate", "linked", "rejected", "answer"):
            outcomes = [
                Outcome.model_validate(
                    {
                        "source_message_id": d.source_message_id,
                        "status": status,
                        "complaint_id": "01CONFORMANCE000000000000",
                        "message": "已收到您的投诉。",
                    }
                )
                for d in drafts
            ]
            out = adapter.respond(message, outcomes)
            assert isinstance(out, HttpOut) and out.status < 500

    def test_refusals_keep_their_status(self) -> None:
        """Every refusal keeps its status, but those the source needs answered in band."""
        adapter = self.adapter()
        for status in (400, 401, 413, 422, 429):
            expected = 200 if status in self.refusals_answered_in_band else status
            assert adapter.refuse(self.good_messages()[0], status, "no").status == expected


def _garble(body: bytes, rng: random.Random) -> bytes:
    if not body:
        return bytes(rng.randrange(256) for _ in range(8))
    choice = rng.randrange(4)
    if choice == 0:
        return body[: rng.randrange(len(body))]  # cut short
    if choice == 1:
        data = bytearray(body)
        for _ in range(max(1, len(data) // 50)):
            data[rng.randrange(len(data))] = rng.randrange(256)  # flipped bytes
        return bytes(data)
    if choice == 2:
        i = rng.randrange(len(body))
        return body[:i] + body[i:][::-1]  # scrambled tail
    return body + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))  # junk appended

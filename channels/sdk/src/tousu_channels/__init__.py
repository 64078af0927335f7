"""Tousu channel SDK: what a channel adapter is, what it produces, and how it is found.

A channel team writes a :class:`ChannelAdapter`, registers it under the entry point
group ``tousu.channels`` and runs intake with ``TOUSU_CHANNELS=<name>``. See README.md.
"""

from tousu_channels.adapter import ChannelAdapter, ChannelConfig
from tousu_channels.errors import BadMessage, ChannelError, SendFailed, Unauthorised
from tousu_channels.model import (
    ComplaintDraft,
    ContactDraft,
    Evidence,
    HttpIn,
    HttpOut,
    Outbound,
    Outcome,
)
from tousu_channels.registry import ENTRY_POINT_GROUP, available_channels, load_adapter

__all__ = [
    "ENTRY_POINT_GROUP",
    "BadMessage",
    "ChannelAdapter",
    "ChannelConfig",
    "ChannelError",
    "ComplaintDraft",
    "ContactDraft",
    "Evidence",
    "HttpIn",
    "HttpOut",
    "Outbound",
    "Outcome",
    "SendFailed",
    "Unauthorised",
    "available_channels",
    "load_adapter",
]

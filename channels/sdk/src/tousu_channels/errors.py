"""What an adapter raises. Intake turns each into a clear answer; nothing else escapes."""

from __future__ import annotations


class ChannelError(Exception):
    """Base of every error an adapter may raise on purpose."""


class BadMessage(ChannelError):
    """The source's message cannot be read (malformed XML, not an e-mail, missing field).

    Intake answers 400 (webhooks) or moves the message aside (pollers); nothing is stored.
    """


class Unauthorised(ChannelError):
    """The message is not signed by the account it claims (bad signature, stale timestamp)."""


class SendFailed(ChannelError):
    """A reply could not be delivered. ``transient``: worth retrying later."""

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient

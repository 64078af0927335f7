"""Finding adapters: every installed package's ``tousu.channels`` entry points."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from tousu_channels.adapter import ChannelAdapter, ChannelConfig
from tousu_channels.errors import ChannelError

ENTRY_POINT_GROUP = "tousu.channels"


@cache  # installed packages do not change under a running process; this is asked per event
def adapter_class(name: str) -> type[ChannelAdapter] | None:
    """The installed adapter class ``name``, without configuring it; None if absent or broken."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            try:
                cls = ep.load()
            except Exception:
                return None
            return cls if isinstance(cls, type) and issubclass(cls, ChannelAdapter) else None
    return None


def available_channels() -> list[str]:
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def load_adapter(name: str, config: ChannelConfig | None = None) -> ChannelAdapter:
    """Instantiate the adapter installed as ``name``; a clear error if there is none."""
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not found:
        known = ", ".join(available_channels()) or "none"
        raise ChannelError(
            f"no channel {name!r} is installed (entry point group {ENTRY_POINT_GROUP}); installed: {known}"
        )
    try:
        cls = found[0].load()
    except Exception as exc:  # a broken package must say which one, not crash with a traceback
        reason = f"{type(exc).__name__}: {exc}"
        raise ChannelError(f"channel {name!r} ({found[0].value}) does not load: {reason}") from None
    if not (isinstance(cls, type) and issubclass(cls, ChannelAdapter)):
        raise ChannelError(f"entry point {name!r} is {cls!r}, not a ChannelAdapter subclass")
    if cls.name != name:
        raise ChannelError(f"entry point {name!r} loads adapter named {cls.name!r}; the names must match")
    return cls(config or ChannelConfig.from_environment(name))

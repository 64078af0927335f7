"""Finding adapters: every installed package's ``tousu.channels`` entry points."""

from __future__ import annotations

from importlib.metadata import entry_points

from tousu_channels.adapter import ChannelAdapter, ChannelConfig
from tousu_channels.errors import ChannelError

ENTRY_POINT_GROUP = "tousu.channels"


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
    cls = found[0].load()
    if not (isinstance(cls, type) and issubclass(cls, ChannelAdapter)):
        raise ChannelError(f"entry point {name!r} is {cls!r}, not a ChannelAdapter subclass")
    if cls.name != name:
        raise ChannelError(f"entry point {name!r} loads adapter named {cls.name!r}; the names must match")
    return cls(config or ChannelConfig.from_environment(name))

"""Finding notifiers: every installed package's ``tousu.notifiers`` entry points."""

from __future__ import annotations

from importlib.metadata import entry_points

from tousu_notifiers.base import Notifier, NotifierConfig

ENTRY_POINT_GROUP = "tousu.notifiers"


def available_notifiers() -> list[str]:
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def load_notifier(name: str, config: NotifierConfig | None = None) -> Notifier:
    """The notifier installed as ``name``, configured; a ValueError saying what is wrong."""
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not found:
        known = ", ".join(available_notifiers()) or "none"
        raise ValueError(f"no notifier {name!r} is installed ({ENTRY_POINT_GROUP}); installed: {known}")
    try:
        cls = found[0].load()
    except Exception as exc:  # a broken package must say which one, not crash with a traceback
        raise ValueError(
            f"notifier {name!r} ({found[0].value}) does not load: {type(exc).__name__}: {exc}"
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, Notifier)) or cls.name != name:
        raise ValueError(f"entry point {name!r} is {cls!r}, not a Notifier named {name!r}")
    return cls(config or NotifierConfig.from_environment(name))

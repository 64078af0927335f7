"""What one intake deployment holds: its channel adapters, the vault, the registrar, limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from tousu_channels import ChannelAdapter, ChannelError, available_channels, load_adapter
from tousu_intake.domain.rate_limit import SlidingWindowLimiter
from tousu_intake.registration import Limits, Registrar
from tousu_intake.settings import IntakeSettings
from tousu_intake.vault import Vault, VaultError, vault_from_settings
from tousu_shared.contracts.topics import Topics
from tousu_shared.runtime.service import Runtime, Subscription


@dataclass
class ChannelHost:
    adapters: dict[str, ChannelAdapter]
    vault: Vault
    registrar: Registrar
    default_rate: int
    _limiter: SlidingWindowLimiter = field(default_factory=SlidingWindowLimiter)

    def allow(self, channel: str, account: str, per_minute: int | None) -> bool:
        """Sliding-window rate limit per account, per replica."""
        return self._limiter.hit(f"{channel}/{account}", per_minute or self.default_rate)


def setup_host(rt: Runtime) -> None:
    """Load this deployment's adapters and keys; a bad setting stops the process at start."""
    settings = IntakeSettings()
    names = settings.channel_names(available_channels())
    try:
        adapters = {name: load_adapter(name) for name in names}
        vault = vault_from_settings(settings, rt.settings.data_dir)
    except (ChannelError, VaultError) as exc:
        raise ValueError(str(exc)) from None
    limits = Limits(
        rt.settings.max_text_chars,
        settings.evidence_max_bytes,
        repeat_window=timedelta(hours=settings.repeat_window_hours),
        repeat_threshold=settings.repeat_threshold,
        clarify_window=timedelta(hours=settings.clarify_window_hours),
    )
    rt.state["channels"] = host = ChannelHost(
        adapters=adapters,
        vault=vault,
        registrar=Registrar(vault, rt.topics, limits),
        default_rate=settings.channel_rate_per_minute,
    )
    _add_channel_workers(rt, host)


def _add_channel_workers(rt: Runtime, host: ChannelHost) -> None:
    """Per hosted channel: its outbound consumer (if it can reply) and its poller (if it polls)."""
    from tousu_intake.outbound import deliverer
    from tousu_intake.pollers import poller

    rt.extra_writes += [rt.topics.outbound(name) for name in available_channels()]
    for name, adapter in host.adapters.items():
        if adapter.can_reply:
            rt.extra_subscriptions.append(
                Subscription(
                    consumer=f"intake.outbound.{name}",
                    topics=_outbound_of(name),
                    handler=deliverer(adapter, host.vault),
                )
            )
        if adapter.poller:
            rt.background.append(poller(adapter))


def host_of(rt: Runtime) -> ChannelHost:
    host: ChannelHost = rt.state["channels"]
    return host


def _outbound_of(channel: str) -> Callable[[Topics, list[str]], list[str]]:
    return lambda topics, _regimes: [topics.outbound(channel)]

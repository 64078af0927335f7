"""What one intake deployment holds: its channel adapters, the vault, the registrar, limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from tousu_channels import ChannelAdapter, ChannelError, available_channels, load_adapter
from tousu_intake.admin import admin_token
from tousu_intake.registration import Limits, Registrar
from tousu_intake.settings import IntakeSettings
from tousu_intake.vault import Vault, VaultError, vault_from_settings
from tousu_shared.runtime.service import Runtime


@dataclass
class ChannelHost:
    adapters: dict[str, ChannelAdapter]
    vault: Vault
    registrar: Registrar
    admin_token: str
    default_rate: int
    _limiter: MovingWindowRateLimiter = field(
        default_factory=lambda: MovingWindowRateLimiter(MemoryStorage())
    )

    def allow(self, channel: str, account: str, per_minute: int | None) -> bool:
        """Moving-window rate limit per account, per replica."""
        return self._limiter.hit(RateLimitItemPerMinute(per_minute or self.default_rate), channel, account)


def setup_host(rt: Runtime) -> None:
    """Load this deployment's adapters and keys; a bad setting stops the process at start."""
    settings = IntakeSettings()
    names = settings.channel_names(available_channels())
    try:
        adapters = {name: load_adapter(name) for name in names}
        vault = vault_from_settings(settings, rt.settings.data_dir)
    except (ChannelError, VaultError) as exc:
        raise ValueError(str(exc)) from None
    limits = Limits(rt.settings.max_text_chars, settings.evidence_max_bytes)
    rt.state["channels"] = ChannelHost(
        adapters=adapters,
        vault=vault,
        registrar=Registrar(vault, rt.topics, limits),
        admin_token=admin_token(settings, rt.settings.data_dir),
        default_rate=settings.channel_rate_per_minute,
    )


def host_of(rt: Runtime) -> ChannelHost:
    host: ChannelHost = rt.state["channels"]
    return host

"""The console process: web pages served by Litestar, calling the six services with the
signed-in person's token. It keeps no database: the people file or the group's identity
provider says who may sign in, the session cookie holds who did, the services hold
everything else."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from litestar import Litestar, Request, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Response
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from pydantic import ValidationError

from tousu_console.auth_pages import login, login_oidc, login_oidc_callback, login_page, logout
from tousu_console.backend import Backend
from tousu_console.case_pages import (
    act,
    assign,
    case_page,
    record_callback,
    request_compensation,
    reveal_contact,
)
from tousu_console.hub import Hub, topics_to_watch, watch
from tousu_console.live import live_events
from tousu_console.manager_pages import escalations
from tousu_console.oidc import OidcClient
from tousu_console.ops_pages import ops_page, regime_page, run_simulation, simulate_page
from tousu_console.people import People, PeopleFileError
from tousu_console.queue_pages import queues
from tousu_console.register_pages import register, register_page, suggest_while_typing
from tousu_console.report_pages import download, report_page
from tousu_console.runtime import Console
from tousu_console.session import SignInNeeded
from tousu_console.settings import ConsoleSettings
from tousu_shared.admin_token import generated_secret
from tousu_shared.contracts.topics import Topics
from tousu_shared.identity.local_issuer import local_jwks_path
from tousu_shared.identity.tokens import IdentitySettings, TokenVerifier
from tousu_shared.kafka_auth import client_options, kafka_security
from tousu_shared.logging import configure_logging, get_logger
from tousu_shared.settings import ServiceSettings
from tousu_shared.telemetry.metrics import PrometheusController, http_metrics

log = get_logger(__name__)
_HERE = Path(__file__).parent
#: how long a stop waits for requests in flight (and the pages' live streams) to end
SHUTDOWN_SECONDS = 3


@get("/", include_in_schema=False)
async def home() -> Redirect:
    return Redirect("/queues")


@get("/health/live", include_in_schema=False)
async def health_live() -> dict[str, str]:
    return {"status": "alive"}


@get("/health/ready", include_in_schema=False)
async def health_ready() -> dict[str, str]:
    return {"status": "ready", "service": "console"}


#: what the pages' script fetches: a 401 there, not the sign-in page inside the page
_FETCHED = ("/live", "/register/suggest")


def _sign_in_first(request: Request[Any, Any, Any], exc: SignInNeeded) -> Response[Any]:
    if request.url.path in _FETCHED or request.query_params.get("fragment"):
        return Response({"detail": "sign in first"}, status_code=401)
    return Redirect(f"/login?next={exc.detail}")


@dataclass(frozen=True)
class _Keys:
    session: bytes
    csrf: str
    #: signs the cookie that waits for the identity provider's answer
    oidc: bytes


def _keys(settings: ConsoleSettings, data_dir: Path) -> _Keys:
    """The session cookie's key, the CSRF secret and the sign-in cookie's key, all from one
    secret: the console's ``TOUSU_CONSOLE_SECRET`` (the same on every replica), or one
    generated under the data folder for a local run."""
    secret = (
        settings.secret.get_secret_value()
        if settings.secret
        else generated_secret(data_dir / "console" / "secret", "console secret", "TOUSU_CONSOLE_SECRET")
    )
    return _Keys(
        session=hashlib.sha256(b"session|" + secret.encode()).digest(),
        csrf=hashlib.sha256(b"csrf|" + secret.encode()).hexdigest(),
        oidc=hashlib.sha256(b"oidc|" + secret.encode()).digest(),
    )


def _oidc_client(settings: ConsoleSettings, data_dir: Path, key: bytes) -> OidcClient | None:
    """Sign-in through the provider, checking tokens as the services will (same settings)."""
    identity = IdentitySettings()
    if not settings.oidc_issuer:
        if not identity.local_issuer:
            # people-file sign-ins get local-issuer tokens, which these services would refuse
            raise ValueError(
                "TOUSU_IDENTITY_LOCAL_ISSUER is false, so the services trust only the groups' "
                "identity providers: set TOUSU_CONSOLE_OIDC_ISSUER (and its client) to sign people in there"
            )
        return None
    verifier = TokenVerifier(identity, local_jwks_path(data_dir) if identity.local_issuer else None)
    http = httpx.AsyncClient(timeout=settings.request_timeout_seconds)
    return OidcClient(settings, verifier, key, http)


def build_app(settings: ConsoleSettings | None = None, service: ServiceSettings | None = None) -> Litestar:
    settings = settings or ConsoleSettings()
    service = service or ServiceSettings()
    keys = _keys(settings, service.data_dir)
    oidc = _oidc_client(settings, service.data_dir, keys.oidc)
    console = Console(
        settings=settings,
        people=None if oidc else People.load(settings.people_file),
        backend=Backend(settings),
        data_dir=service.data_dir,
        hub=Hub(),
        service=service,
        oidc=oidc,
    )

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        watcher = None
        if settings.live_updates:
            topics = topics_to_watch(Topics(service.topic_prefix))
            options = client_options(kafka_security(service))
            watcher = asyncio.create_task(watch(console.hub, service.kafka_bootstrap, topics, options))
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            await console.backend.close()
            if console.oidc is not None:
                await console.oidc.close()

    return Litestar(
        route_handlers=[
            home,
            health_live,
            health_ready,
            login_page,
            login,
            login_oidc,
            login_oidc_callback,
            logout,
            register_page,
            register,
            suggest_while_typing,
            queues,
            case_page,
            act,
            record_callback,
            reveal_contact,
            assign,
            request_compensation,
            report_page,
            escalations,
            ops_page,
            regime_page,
            simulate_page,
            run_simulation,
            download,
            live_events,
            PrometheusController,
            create_static_files_router(path="/static", directories=[_HERE / "static"]),
        ],
        template_config=TemplateConfig(directory=_HERE / "templates", engine=JinjaTemplateEngine),
        middleware=[
            http_metrics("console").middleware,
            CookieBackendConfig(
                secret=keys.session,
                key="tousu_session",
                max_age=settings.session_hours * 3600,
                samesite="strict",
                secure=settings.secure_cookies,
            ).middleware,
        ],
        csrf_config=CSRFConfig(
            secret=keys.csrf,
            cookie_samesite="strict",
            cookie_secure=settings.secure_cookies,
            exclude=["/health", "/metrics"],
        ),
        exception_handlers={SignInNeeded: _sign_in_first},
        state=State({"console": console}),
        lifespan=[lifespan],
    )


def main() -> None:
    try:
        settings, service = ConsoleSettings(), ServiceSettings()
        configure_logging("console", service.log_level, service.log_json)
        app = build_app(settings, service)
    except (ValidationError, ValueError, PeopleFileError) as exc:
        print(f"tousu console: bad settings: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(0))
    config = uvicorn.Config(
        app,
        host=service.http_host,
        port=service.port_for("console"),
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )
    _Server(config, app.state.console.hub).run()


class _Server(uvicorn.Server):
    """Each open page holds its /live stream until the page goes; a stop ends the streams
    first, so it waits for forms in flight, not for browsers (pages reconnect elsewhere)."""

    def __init__(self, config: uvicorn.Config, hub: Hub) -> None:
        super().__init__(config)
        self._hub = hub

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._hub.close()
        await super().shutdown(sockets)

"""The console's pages against fake services (httpx's MockTransport): sign-in, the
registration steps, queues, a case, the report download, and what a refusal looks like."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from litestar.testing import AsyncTestClient
from tousu_console.app import build_app
from tousu_console.backend import Backend
from tousu_console.people import hash_password, password_matches
from tousu_console.settings import ConsoleSettings

from tousu_shared.settings import ServiceSettings

PEOPLE = f"""
people:
  - login: kefu
    name: 王敏
    tenant: group-a
    roles: [customer_service@estate-1]
    password: {hash_password("right-one")}
"""

Route = Callable[[httpx.Request], httpx.Response]


class FakeServices:
    """Answers as the services would; records what the console sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any] | None, str]] = []
        self.routes: dict[tuple[str, str], Route] = {}

    def on(self, method: str, pattern: str, answer: Any, status: int = 200) -> None:
        self.routes[(method, pattern)] = lambda _req: httpx.Response(
            status, content=answer if isinstance(answer, bytes) else orjson.dumps(answer)
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = orjson.loads(request.content) if request.content else None
        self.calls.append((request.method, request.url.path, body, request.headers.get("authorization", "")))
        for (method, pattern), route in self.routes.items():
            if method == request.method and re.fullmatch(pattern, request.url.path):
                return route(request)
        return httpx.Response(404, json={"detail": "not found"})


@pytest.fixture
def services() -> FakeServices:
    fake = FakeServices()
    fake.on(
        "GET",
        "/v1/my/estates",
        [
            {
                "estate_id": "estate-1",
                "name": "兰亭苑",
                "regime": "logistics-service",
                "timezone": "Asia/Shanghai",
            }
        ],
    )
    return fake


@pytest.fixture
async def client(tmp_path: Path, services: FakeServices) -> AsyncIterator[AsyncTestClient[Any]]:
    people = tmp_path / "people.yaml"
    people.write_text(PEOPLE)
    settings = ConsoleSettings(people_file=people, desk_key="desk-secret", live_updates=False)
    app = build_app(settings, ServiceSettings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    app.state.console.backend = Backend(settings, httpx.AsyncClient(transport=httpx.MockTransport(services)))
    async with AsyncTestClient(app) as test_client:
        yield test_client


def csrf(client: AsyncTestClient[Any]) -> str:
    return client.cookies.get("csrftoken") or ""


async def sign_in(
    client: AsyncTestClient[Any], password: str = "right-one", next: str = "/"
) -> httpx.Response:
    await client.get("/login")
    return await client.post(
        "/login",
        data={"login": "kefu", "password": password, "next": next},
        headers={"x-csrftoken": csrf(client)},
        follow_redirects=False,
    )


def test_passwords_are_kept_as_scrypt_hashes() -> None:
    stored = hash_password("s3cret")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert password_matches("s3cret", stored) and not password_matches("other", stored)


async def test_a_page_sends_who_is_not_signed_in_to_sign_in_and_back(client: AsyncTestClient[Any]) -> None:
    r = await client.get("/queues?view=mine", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login?next=")
    r = await sign_in(client, next="/queues?view=mine")
    assert r.status_code in (302, 303) and r.headers["location"] == "/queues?view=mine"


async def test_a_wrong_password_is_a_401_page_and_no_session(client: AsyncTestClient[Any]) -> None:
    r = await sign_in(client, password="wrong")
    assert r.status_code == 401 and "账号或密码不对" in r.text
    assert (await client.get("/register", follow_redirects=False)).status_code in (302, 303)


async def test_sign_in_never_redirects_elsewhere(client: AsyncTestClient[Any]) -> None:
    r = await sign_in(client, next="//evil.example/x")
    assert r.headers["location"] == "/"


async def test_a_form_without_the_csrf_token_is_refused(client: AsyncTestClient[Any]) -> None:
    await client.get("/login")
    r = await client.post("/login", data={"login": "kefu", "password": "right-one"}, follow_redirects=False)
    assert r.status_code == 403


async def test_registering_reads_back_suggests_warns_then_registers_as_the_clerk(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    services.on(
        "POST", "/v1/channels/desk/jx-desk", {"form_id": "f-1", "readback": "跟您核对一下：3-1201室的张先生"}
    )
    services.on(
        "POST",
        "/v1/triage/suggest",
        {
            "department": "engineering",
            "category": "maintenance",
            "topic": "elevator_entrapment",
            "urgency": "urgent",
            "questions": ["电梯编号？"],
        },
    )
    services.on(
        "GET",
        "/v1/complaints",
        {
            "items": [
                {"complaint_id": "c-old", "status": "dispatched", "topic": "elevator", "summary": "电梯坏了"}
            ]
        },
    )
    await sign_in(client)
    page = await client.get("/register")
    assert page.status_code == 200 and "兰亭苑" in page.text
    form_id = re.search(r'name="form_id" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    fields = {"form_id": form_id, "channel": "phone", "estate_id": "estate-1", "room": "3-1201",
              "name": "张先生", "phone": "13812345678", "text": "电梯困人了"}  # fmt: skip
    preview = await client.post(
        "/register", data=fields | {"step": "preview"}, headers={"x-csrftoken": csrf(client)}
    )
    assert "跟您核对一下" in preview.text and "电梯编号？" in preview.text and "c-old" in preview.text
    method, _, sent, auth = next(c for c in services.calls if c[1].startswith("/v1/channels/desk"))
    assert (method, sent["clerk"], auth) == ("POST", "kefu", "Bearer desk-secret")
    assert "confirmed" not in sent
    services.on(
        "POST",
        "/v1/channels/desk/jx-desk",
        {"status": "received", "complaint_id": "c-new", "message": "已收到您的投诉，编号 c-new。"},
        202,
    )
    done = await client.post(
        "/register", data=fields | {"step": "confirm"}, headers={"x-csrftoken": csrf(client)}
    )
    assert "已收到您的投诉" in done.text and "/cases/c-new" in done.text
    _, _, sent, _ = services.calls[-1]
    assert sent["confirmed"] is True and sent["form_id"] == form_id and sent["phone"] == "13812345678"


async def test_an_estate_not_among_the_persons_is_refused_before_any_call(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    await sign_in(client)
    fields = {
        "form_id": "f-2",
        "channel": "phone",
        "estate_id": "estate-9",
        "text": "噪音",
        "step": "preview",
    }
    r = await client.post("/register", data=fields, headers={"x-csrftoken": csrf(client)})
    assert r.status_code == 422 and "choose one of your estates" in r.text
    assert not any(path.startswith("/v1/channels") for _, path, _, _ in services.calls)


async def test_the_services_refusal_is_said_on_the_page(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    services.on("POST", "/v1/channels/desk/jx-desk", {"detail": "phone: not a phone number"}, 400)
    await sign_in(client)
    fields = {
        "form_id": "f-3",
        "channel": "phone",
        "estate_id": "estate-1",
        "text": "噪音",
        "step": "preview",
    }
    r = await client.post("/register", data=fields, headers={"x-csrftoken": csrf(client)})
    assert r.status_code == 422 and "not a phone number" in r.text


async def test_the_department_queue_shows_each_clock_counting_down(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    services.on("GET", "/v1/queues/customer_service", {"items": [
        {"complaint_id": "c-9", "name": "emergency_notice", "owner": "customer_service",
         "status": "running", "started_at": "2026-12-06T10:00:00+00:00",
         "due_at": "2026-12-06T10:15:00+00:00", "seconds_left": 600}]})  # fmt: skip
    await sign_in(client)
    r = await client.get("/queues")
    assert 'datetime="2026-12-06T10:15:00+00:00"' in r.text and "/cases/c-9" in r.text
    assert services.calls[-1][3].startswith("Bearer ey")  # the person's own token
    rows = await client.get("/queues?fragment=1")
    assert "<html" not in rows.text and "c-9" in rows.text


async def test_a_case_page_shows_what_each_service_can_and_says_what_it_cannot(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    services.on(
        "GET",
        "/v1/cases/c-1/clocks",
        {
            "clocks": [
                {
                    "name": "onsite",
                    "status": "running",
                    "open": True,
                    "due_at": "2026-12-06T10:15:00+00:00",
                    "started_at": "2026-12-06T10:00:00+00:00",
                    "seconds_left": 60,
                }
            ]
        },
    )
    services.on("GET", "/v1/work-orders", {"items": [{"work_order_id": "w-1"}]})
    services.on(
        "GET", "/v1/work-orders/w-1", {"work_order_id": "w-1", "status": "open", "department": "engineering"}
    )
    services.on("GET", "/v1/callbacks", {"items": []})
    await sign_in(client)
    r = await client.get("/cases/c-1")
    assert r.status_code == 200 and "onsite" in r.text and 'id="do-onsite"' in r.text
    assert "not found" in r.text  # archive has not filed it yet
    services.on("POST", "/v1/work-orders/w-1/actions", {"event_id": "e"}, 202)
    done = await client.post(
        "/cases/c-1/action",
        data={"verb": "onsite", "note": "到了"},
        headers={"x-csrftoken": csrf(client)},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/cases/c-1?msg=onsite"
    assert services.calls[-1][2] == {"verb": "onsite", "note": "到了"}


async def test_a_callback_answer_goes_to_the_callback_service(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    services.on("POST", "/v1/complaints/c-1/callback", {"event_id": "e"}, 202)
    await sign_in(client)
    r = await client.post(
        "/cases/c-1/callback",
        data={"satisfaction": "dissatisfied", "comment": "还是漏水"},
        headers={"x-csrftoken": csrf(client)},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/cases/c-1?msg=callback"
    assert services.calls[-1][2] == {
        "satisfaction": "dissatisfied",
        "channel": "phone",
        "confirmed": True,
        "comment": "还是漏水",
    }


async def test_the_monthly_report_downloads_as_the_archive_made_it(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    services.on("GET", "/v1/reports/monthly", b"%PDF-1.4 fake")
    await sign_in(client)
    r = await client.get("/reports/download?period=2026-11&format=pdf")
    assert r.status_code == 200 and r.content == b"%PDF-1.4 fake"
    assert (
        r.headers["content-type"] == "application/pdf"
        and "tousu-monthly-2026-11-group.pdf" in r.headers["content-disposition"]
    )


async def test_a_service_that_does_not_answer_is_a_message_not_a_traceback(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    def away(_req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    services.routes[("GET", "/v1/queues/customer_service")] = away
    await sign_in(client)
    r = await client.get("/queues")
    assert r.status_code == 200 and "sla-monitor is not answering" in r.text


async def test_the_residents_number_shows_once_on_request_and_is_never_cached(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    services.on(
        "POST", "/v1/complaints/c-1/contact", {"complaint_id": "c-1", "name": "张三", "phone": "13812345678"}
    )
    services.on(
        "GET", "/v1/complaints/c-1", {"complaint_id": "c-1", "status": "dispatched", "estate_id": "estate-1"}
    )
    await sign_in(client)
    assert "13812345678" not in (await client.get("/cases/c-1")).text
    shown = await client.post("/cases/c-1/contact", headers={"x-csrftoken": csrf(client)})
    assert shown.status_code == 200 and "13812345678" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    asked = next(c for c in services.calls if c[1] == "/v1/complaints/c-1/contact")
    assert asked[2] == {"purpose": "回访 / callback (desk console)"}
    assert "13812345678" not in (await client.get("/cases/c-1")).text  # not kept anywhere
    assert "13812345678" not in str(client.cookies)


async def test_assigning_and_asking_for_compensation_go_to_dispatch(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    services.on("GET", "/v1/work-orders", {"items": [{"work_order_id": "w-1"}]})
    services.on("GET", "/v1/work-orders/w-1", {"work_order_id": "w-1", "status": "open"})
    services.on("POST", "/v1/work-orders/w-1/assign", {"detail": "estate cs-1 has no roster"}, 409)
    services.on("POST", "/v1/work-orders/w-1/compensations", {"approval_id": "a-1", "status": "pending"}, 201)
    await sign_in(client)
    token = {"x-csrftoken": csrf(client)}
    r = await client.post(
        "/cases/c-1/assign", data={"staff_id": "", "reason": ""}, headers=token, follow_redirects=False
    )
    assert "has+no+roster" in r.headers["location"] and services.calls[-1][2] == {
        "staff_id": None,
        "reason": None,
    }
    form = {"kind": "cash", "amount_yuan": "200", "reason": "泡水损坏地板"}
    r = await client.post("/cases/c-1/compensation", data=form, headers=token, follow_redirects=False)
    assert "waits+for+approval" in r.headers["location"]
    assert services.calls[-1][2] == {"kind": "cash", "amount_yuan": 200.0, "reason": "泡水损坏地板"}


async def test_escalations_waiting_for_me(client: AsyncTestClient[Any], services: FakeServices) -> None:
    escalated = {
        "complaint_id": "c-7",
        "estate_id": "estate-1",
        "status": "dispatched",
        "topic": "elevator",
        "to_role": "customer_service",
        "reason": "紧急投诉应立即通知",
        "clock": None,
        "at": "2026-12-06T10:00:00+00:00",
    }
    services.on("GET", "/v1/escalations", {"items": [escalated]})
    await sign_in(client)
    r = await client.get("/escalations")
    assert "c-7" in r.text and "紧急投诉应立即通知" in r.text
    assert services.calls[-1][1] == "/v1/escalations"


async def test_the_operator_pages_are_for_the_platform_team_only(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    await sign_in(client)
    assert (await client.get("/ops")).status_code == 403
    assert (await client.get("/ops/simulate")).status_code == 403


@pytest.fixture
async def operator_client(tmp_path: Path, services: FakeServices) -> AsyncIterator[AsyncTestClient[Any]]:
    people = tmp_path / "people.yaml"
    people.write_text(PEOPLE.replace("    password:", "    operator: true\n    password:"))
    settings = ConsoleSettings(people_file=people, desk_key="desk-secret", live_updates=False)
    app = build_app(settings, ServiceSettings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    app.state.console.backend = Backend(settings, httpx.AsyncClient(transport=httpx.MockTransport(services)))
    async with AsyncTestClient(app) as test_client:
        yield test_client


async def test_the_operator_sees_regimes_calendars_channels_and_what_is_not_answering(
    operator_client: AsyncTestClient[Any], services: FakeServices
) -> None:
    account = {"account_id": "jx-desk", "channel": "desk", "estates": ["estate-1"], "enabled": True}
    heard = {"last_received_at": "2026-12-06T01:30:00Z", "received_last_24h": 17}
    silent = account | {"account_id": "jx-app", "channel": "http", "received_last_24h": 0}
    services.on("GET", "/v1/channel-accounts", [account | {"rate_per_minute": 600} | heard, silent])
    await sign_in(operator_client)
    page = await operator_client.get("/ops")
    assert page.status_code == 200
    assert "property-role-matrix@1" in page.text and "国务院办公厅" in page.text and "jx-desk" in page.text
    rows = dict(re.findall(r'<tr data-account="([^"]+)">(.*?)</tr>', page.text, re.S))
    assert 'datetime="2026-12-06T01:30:00Z"' in rows["jx-desk"] and ">17<" in rows["jx-desk"]
    assert (
        "从未" in rows["jx-app"] and ">0<" in rows["jx-app"]
    )  # a channel that never heard anything stands out
    assert "dead letters: Kafka is not answering" in page.text
    method, path, _, auth = services.calls[-1]
    assert (method, path) == ("GET", "/v1/channel-accounts") and not auth.startswith(
        "Bearer ey"
    )  # the admin token
    regime = await operator_client.get("/ops/regimes/logistics-service")
    assert "emergency_notice" in regime.text and "emergency_notice_limit" in regime.text


async def test_a_scenario_runs_in_virtual_time_and_a_bad_one_says_why(
    operator_client: AsyncTestClient[Any],
) -> None:
    await sign_in(operator_client)
    form = await operator_client.get("/ops/simulate")
    scenario = re.search(r'<textarea id="scenario"[^>]*>(.*?)</textarea>', form.text, re.S)[1]  # type: ignore[index]
    token = {"x-csrftoken": csrf(operator_client)}
    ran = await operator_client.post(
        "/ops/simulate", data={"scenario": html.unescape(scenario)}, headers=token
    )
    assert ran.status_code == 200 and 'data-clock="onsite"' in ran.text and "15 minutes" in ran.text
    bad = await operator_client.post("/ops/simulate", data={"scenario": "regime: no-such\n"}, headers=token)
    assert bad.status_code == 422 and 'class="error"' in bad.text


async def test_my_work_shows_each_orders_soonest_clock_from_one_call(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    order = {"complaint_id": "c-1", "topic": "water_leak", "category": "facility", "status": "accepted"}
    services.on("GET", "/v1/work-orders", {"items": [order, order | {"complaint_id": "c-2"}]})
    later = {
        "complaint_id": "c-1",
        "name": "resolution",
        "status": "running",
        "due_at": "2026-12-09T10:00:00+08:00",
    }
    soon = later | {
        "name": "onsite",
        "due_at": "2026-12-06T10:15:00+08:00",
        "started_at": "2026-12-06T10:00:00+08:00",
    }
    services.on("GET", "/v1/open-clocks", {"items": [soon, later]})
    await sign_in(client)
    page = await client.get("/queues?view=mine")
    assert 'datetime="2026-12-06T10:15:00+08:00"' in page.text and "2026-12-09" not in page.text
    assert "water_leak · facility · onsite" in page.text
    asked = [c for c in services.calls if c[1] == "/v1/open-clocks"]
    assert len(asked) == 1


async def test_the_form_suggests_while_the_clerk_types(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    services.on("POST", "/v1/triage/suggest", {"department": "engineering", "category": "maintenance",
                                              "topic": "elevator", "questions": ["几号电梯？"]})  # fmt: skip
    await sign_in(client)
    await client.get("/register")
    form = {"estate_id": "estate-1", "text": "电梯坏了", "channel": "phone"}
    r = await client.post("/register/suggest", data=form, headers={"x-csrftoken": csrf(client)})
    assert r.status_code == 200 and "几号电梯？" in r.text and "<html" not in r.text
    assert services.calls[-1][2] == {"regime": "logistics-service", "text": "电梯坏了", "channel": "phone"}
    other = await client.post(
        "/register/suggest", data=form | {"estate_id": "estate-9"}, headers={"x-csrftoken": csrf(client)}
    )
    assert "几号电梯" not in other.text  # not one of the clerk's estates: nothing asked


async def test_what_the_script_fetches_says_401_when_the_sign_in_has_lapsed(
    client: AsyncTestClient[Any],
) -> None:
    await client.get("/login")
    for path in ("/live", "/queues?fragment=1"):
        assert (await client.get(path, follow_redirects=False)).status_code == 401
    r = await client.post("/register/suggest", data={"text": "漏水"}, headers={"x-csrftoken": csrf(client)})
    assert r.status_code == 401


async def test_intake_away_keeps_what_the_clerk_typed_and_says_so(
    client: AsyncTestClient[Any], services: FakeServices
) -> None:
    await sign_in(client)
    await client.get("/register")

    def away(_req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    services.routes[("GET", "/v1/my/estates")] = away
    fields = {
        "form_id": "f-9",
        "channel": "phone",
        "estate_id": "estate-1",
        "text": "楼道灯坏了",
        "step": "preview",
    }
    r = await client.post("/register", data=fields, headers={"x-csrftoken": csrf(client)})
    assert r.status_code == 422 and "intake is not answering" in r.text and "楼道灯坏了" in r.text


def test_triage_is_asked_where_the_estates_regime_is_read() -> None:
    """On a cluster each regime has a triage deployment of its own (triage-<regime>)."""
    settings = ConsoleSettings(urls={"triage": "http://triage-{regime}/"})
    assert settings.url_of("triage", "community-standard") == "http://triage-community-standard"
    assert ConsoleSettings().url_of("triage", "community-standard") == "http://127.0.0.1:8002"

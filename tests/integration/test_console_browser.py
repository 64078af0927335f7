"""The desk console in a real browser (Playwright driving Debian's Chromium, headless), on the
whole system: a clerk registers a phone complaint with the keyboard alone; it appears in the
engineering queue, live, with its 15-minute clock; the engineer marks on site and resolves;
the resident, called back, is dissatisfied and the case reopens; a manager downloads the
monthly report. Every main page is photographed at desktop and phone widths."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from oidc_provider_mock import run_server_in_thread
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from tousu_console.people import hash_password

from tests.integration.harness import ADMIN, IDENTITY_PROVIDER_PORT, SSO_TENANT, Stack, add_tenant

pytestmark = pytest.mark.integration

TENANT = "console-group"
ESTATE = "cs-houqin"  # logistics-service: urgent → emergency notice within 15 minutes; dissatisfied → reopen
DESK_KEY = "console-desk-key-0123456789"
PASSWORD = "console-test-pass"
PEOPLE = {
    "kefu": ("王敏", [f"customer_service@{ESTATE}", f"receiver@{ESTATE}"]),
    "gongcheng": ("李强", [f"engineering@{ESTATE}"]),
    "zhijian": ("赵磊", ["quality_manager@*"]),
    "yunwei": ("孙涛", ["quality_manager@*"]),
}
#: where the screenshots are kept (CI keeps the folder as the run's artefacts)
SHOTS = Path(os.environ.get("TOUSU_TEST_ARTEFACTS", ".run/artefacts")) / "console"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def chromium_path() -> str:
    for path in (os.environ.get("TOUSU_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if path and shutil.which(path):
            return path
    raise RuntimeError("no Chromium for the browser tests: run `bash scripts/chromium.sh` (make test does)")


@pytest_asyncio.fixture(scope="module")
async def console(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    await add_tenant(stack, TENANT, {ESTATE: "logistics-service"})
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers=ADMIN) as client:
        body = {"channel": "desk", "tenant_id": TENANT, "estates": [ESTATE], "secret": DESK_KEY}
        r = await client.put("/v1/channel-accounts/console-desk", json=body)
        assert r.status_code == 200, r.text
    people = tmp_path_factory.mktemp("console") / "people.yaml"
    lines = ["people:"]
    for login, (name, roles) in PEOPLE.items():
        lines += [f"  - login: {login}", f"    name: {name}", f"    tenant: {TENANT}",
                  f"    roles: [{', '.join(roles)}]", f"    password: {hash_password(PASSWORD)}",
                  f"    operator: {'true' if login == 'yunwei' else 'false'}"]  # fmt: skip
    people.write_text("\n".join(lines) + "\n")
    env = {
        "TOUSU_CONSOLE_PEOPLE_FILE": str(people),
        "TOUSU_CONSOLE_DESK_ACCOUNT": "console-desk",
        "TOUSU_CONSOLE_DESK_KEY": DESK_KEY,
    }
    yield await start_console(stack, "console", env)


async def start_console(stack: Stack, name: str, env: dict[str, str]) -> str:
    """A console deployment calling the stack's services; its address."""
    urls = {
        name: stack.url(name)
        for name in ("intake", "triage", "dispatch", "sla-monitor", "callback", "archive")
    }
    env = {
        "TOUSU_CONSOLE_URLS": json.dumps(urls),
        # the console keeps no database: naming one stops the stack making it one (and the
        # tests that look into every service's database from counting it)
        "TOUSU_DATABASE_URL": "sqlite+aiosqlite:///:memory:",
        **env,
    }
    await stack.start(names=[], deployments={name: ("console", env)})
    return stack.url(name)


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=chromium_path())
        yield launched
        await launched.close()


async def signed_in(
    browser: Browser, base: str, login: str, width: str = "desktop"
) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(
        base_url=base, viewport=WIDTHS[width], locale="zh-CN", accept_downloads=True
    )
    page = await context.new_page()
    await page.goto("/login")
    await page.fill("#login", login)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("header .who")).to_contain_text(PEOPLE[login][0])
    return context, page


async def reload_until(page: Page, ready: Callable[[], Awaitable[Any]], seconds: int = 60) -> None:
    """Reload ``page`` each second until ``ready()`` holds: what another service writes from
    a topic shows on the page in its own time (the expect that follows says what is missing)."""
    for _ in range(seconds):
        if await ready():
            return
        await page.wait_for_timeout(1000)
        await page.reload()


async def shoot(page: Page, name: str) -> None:
    """The page at both widths, kept as artefacts."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, size in WIDTHS.items():
        await page.set_viewport_size(size)
        await page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    await page.set_viewport_size(WIDTHS["desktop"])


async def register_with_the_keyboard(page: Page) -> str:
    """The clerk never touches the mouse: Tab between fields, Enter on the buttons."""
    await page.goto("/register")
    await expect(page.locator("input[name=channel][value=phone]")).to_be_focused()  # autofocus
    keys = page.keyboard
    await keys.press("Tab")  # → estate (the only one is chosen)
    await expect(page.locator("#estate_id")).to_be_focused()
    await keys.press("Tab")
    await keys.type("3-1201")  # room
    await keys.press("Tab")
    await keys.type("张先生")
    await keys.press("Tab")
    await keys.type("13812345678")
    await keys.press("Tab")
    await keys.type("3号楼电梯困人了，有人被关在里面出不来，请马上派人")
    # as the clerk types, how triage would read it (and what to ask) appears under the text
    await expect(page.locator("#live-suggestion")).to_contain_text("engineering")
    await expect(page.locator("#live-suggestion")).to_contain_text("urgent")
    await expect(page.locator("#text")).to_be_focused()  # the suggestion took no focus
    await shoot(page, "register-form")
    for _ in range(5):  # location, occurred at, persons involved, evidence → the button
        await keys.press("Tab")
        if await page.evaluate("document.activeElement.type === 'submit'"):
            break
    await keys.press("Enter")
    await expect(page.locator("#readback")).to_contain_text("3-1201")
    await expect(page.locator("#suggestion")).to_contain_text("engineering")
    await shoot(page, "register-readback")
    await expect(page.locator("#confirm")).to_be_focused()
    await keys.press("Enter")
    await expect(page.locator("#outcome")).to_have_attribute("data-status", "received")
    await shoot(page, "register-done")
    href = await page.locator("#open-case").get_attribute("href")
    assert href and href.startswith("/cases/")
    return href.removeprefix("/cases/")


async def test_a_phone_complaint_from_the_desk_to_a_reopened_case(browser: Browser, console: str) -> None:
    _, engineer = await signed_in(browser, console, "gongcheng")
    await engineer.goto("/queues?view=department&department=engineering")
    await expect(engineer.locator("#rows")).to_contain_text("暂无")  # nothing yet

    _, clerk = await signed_in(browser, console, "kefu")
    complaint_id = await register_with_the_keyboard(clerk)

    # live: the row arrives in the engineer's open queue without a reload, its clock counting down
    row = engineer.locator(f"tr[data-complaint='{complaint_id}'][data-clock='emergency_notice']")
    await expect(row).to_be_visible(timeout=60_000)
    clock = row.locator("time.countdown")
    due = datetime.fromisoformat(await clock.get_attribute("datetime") or "")
    started = datetime.fromisoformat(await clock.get_attribute("data-started") or "")
    assert (due - started).total_seconds() == 15 * 60
    await expect(clock).to_have_class("countdown ample")
    assert (due - datetime.now(UTC)).total_seconds() > 0
    await shoot(engineer, "queue-engineering")

    await row.locator("a").click()
    await expect(engineer.locator("#do-onsite")).to_be_visible(timeout=30_000)
    await shoot(engineer, "case-open")
    await engineer.fill("#note", "已到3号楼电梯机房")
    await engineer.click("#do-onsite")
    await expect(engineer.locator("p.ok")).to_contain_text("onsite")
    await expect(engineer.locator("#order-status")).to_have_text("on_site", timeout=30_000)
    await engineer.fill("#note", "电梯已恢复运行，被困人员已安全救出")
    await engineer.click("#do-resolve")
    await expect(engineer.locator("#order-status")).to_have_text("resolved", timeout=30_000)

    # the urgent complaint was escalated to customer service on classification: the clerk's list
    await clerk.goto("/escalations")
    escalated = clerk.locator(f"tr.escalation[data-complaint='{complaint_id}']")
    await reload_until(clerk, lambda: escalated.count())
    await expect(escalated).to_contain_text("customer_service")
    await shoot(clerk, "escalations")

    # the callback: its task opens once the case is resolved; the clerk records the answer
    await clerk.goto(f"/cases/{complaint_id}")
    await reload_until(clerk, lambda: clerk.locator("#record-callback").count())
    await expect(clerk.locator(".callback details")).to_contain_text("回访")  # the script is shown
    await clerk.click("#reveal-contact")  # to call the resident back: the number, audited
    await expect(clerk.locator("#contact")).to_contain_text("13812345678")
    await shoot(clerk, "case-callback")
    await clerk.check("input[name=satisfaction][value=dissatisfied]")
    await clerk.fill("#comment", "电梯还是时好时坏")
    await clerk.click("#record-callback")
    await expect(clerk.locator("p.ok")).to_contain_text("callback")

    async def reopened_and_filed() -> bool:
        # dispatch reopens the order and archive files the callback, each from the topic, in its own time
        status = (await clerk.locator("#order-status").inner_text()).strip()
        return status == "reopened" and "CallbackRecorded" in await clerk.locator(".timeline").inner_text()

    await reload_until(clerk, reopened_and_filed)
    await expect(clerk.locator("#order-status")).to_have_text("reopened")
    await expect(clerk.locator(".timeline")).to_contain_text("CallbackRecorded")
    await shoot(clerk, "case-reopened")


async def test_a_manager_downloads_the_monthly_report(browser: Browser, console: str) -> None:
    _, manager = await signed_in(browser, console, "zhijian")
    month = datetime.now(UTC).strftime("%Y-%m")
    await manager.goto(f"/reports?period={month}")
    await expect(manager.locator("h1")).to_contain_text("月度报告")
    await shoot(manager, "report")
    for link, magic in (("#download-xlsx", b"PK"), ("#download-pdf", b"%PDF")):
        async with manager.expect_download() as info:
            await manager.click(link)
        download = await info.value
        saved = SHOTS / download.suggested_filename
        await download.save_as(saved)
        assert saved.read_bytes().startswith(magic), saved


async def test_the_operator_sees_the_regimes_calendars_channels_and_dead_letters(
    browser: Browser, console: str
) -> None:
    _, ops = await signed_in(browser, console, "yunwei")
    await ops.goto("/ops")
    await expect(ops.locator("#regimes")).to_contain_text("logistics-service@1")
    await expect(ops.locator("#calendar")).to_contain_text("国务院办公厅")
    await expect(ops.locator("#channels")).to_contain_text("console-desk")
    # its traffic, counted by intake on PostgreSQL (the journey above registered through it)
    await expect(ops.locator("tr[data-account='console-desk'] .received-24h")).to_have_text(
        re.compile(r"^\d+$")
    )
    await expect(ops.locator("#dead-letters")).to_contain_text(".dlq")  # each DLQ of the run, with its count
    await shoot(ops, "ops")
    await ops.click("#open-simulate")
    await ops.click("#run-simulation")
    await expect(ops.locator("#simulation tr[data-clock='onsite']")).to_contain_text("15 minutes")
    await shoot(ops, "ops-simulate")
    _, clerk = await signed_in(browser, console, "kefu")
    assert (await clerk.goto("/ops")).status == 403  # not for desk staff


async def test_the_pages_render_chinese_in_a_cjk_font(browser: Browser, console: str) -> None:
    context, page = await signed_in(browser, console, "kefu")
    await page.goto("/register")
    # the fonts Chromium really drew the heading's glyphs with (DevTools' CSS domain)
    cdp = await context.new_cdp_session(page)
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    root = await cdp.send("DOM.getDocument")
    heading = await cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": "h1"})
    fonts = (await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": heading["nodeId"]}))["fonts"]
    cjk = [
        f
        for f in fonts
        if any(name in f["familyName"] for name in ("WenQuanYi", "Noto Sans CJK", "Noto Sans SC"))
    ]
    assert cjk and sum(f["glyphCount"] for f in cjk) >= 5, fonts  # 登记投诉 and 投诉登记表


async def test_a_person_signs_in_through_the_groups_own_identity_provider(
    browser: Browser, stack: Stack
) -> None:
    """A group that keeps its staff in an OpenID provider: the console sends the person there
    and calls the services with the provider's token, which they trust for that group only."""
    estate = "sso-houqin"
    await add_tenant(stack, SSO_TENANT, {estate: "logistics-service"})
    # a real OpenID provider (oidc-provider-mock: authorization code, PKCE, nonce, JWKS)
    with run_server_in_thread(port=IDENTITY_PROVIDER_PORT, require_nonce=True) as idp:
        idp_url = f"http://127.0.0.1:{idp.server_port}"
        claims = {
            "name": "周洁",
            "tenant": SSO_TENANT,
            "roles": [f"customer_service@{estate}"],
            "groups": ["platform"],
        }
        async with httpx.AsyncClient() as client:
            assert (await client.put(f"{idp_url}/users/zhoujie", json=claims)).status_code == 204
        env = {
            "TOUSU_CONSOLE_OIDC_ISSUER": idp_url,
            # this provider's access tokens are opaque: the services get its ID token, whose
            # audience is the client id, which is the services' audience ("tousu")
            "TOUSU_CONSOLE_OIDC_CLIENT_ID": "tousu",
            "TOUSU_CONSOLE_OIDC_CLIENT_SECRET": "console-client-secret",  # a confidential client
            "TOUSU_CONSOLE_OIDC_BEARER": "id_token",
            "TOUSU_CONSOLE_OIDC_OPERATOR_GROUP": "platform",
        }
        base = await start_console(stack, "console-sso", env)
        context = await browser.new_context(base_url=base, viewport=WIDTHS["desktop"], locale="zh-CN")
        page = await context.new_page()
        await page.goto("/register")
        await expect(page.locator("a.button[href^='/login/oidc']")).to_be_focused()
        await shoot(page, "login-sso")
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{idp_url}/oauth2/authorize?*")
        await page.fill("input[name=sub]", "zhoujie")
        await page.click("form button[type=submit] >> nth=0")
        # back at the console, where the person was going, signed in as the provider said
        await page.wait_for_url(f"{base}/register")
        await expect(page.locator("header .who")).to_contain_text("周洁")
        # intake answered with the provider's token: the estates of that group, no other
        await expect(page.locator("#estate_id")).to_contain_text(estate)
        await expect(page.locator("#estate_id option")).to_have_count(1)
        assert (await page.goto("/ops")).status == 200  # the "platform" group: operator pages
        await page.goto("/queues")
        await expect(page.locator(".error")).to_have_count(0)
        # signing out ends the provider's session too (a desk PC is shared), then back here
        await page.click("header .who button[type=submit]")
        await page.wait_for_url(f"{idp_url}/oauth2/end_session?*")
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/login")
        await page.goto("/queues")
        assert page.url.startswith(f"{base}/login")

"""While the database is away, a service's API says so with a 503 and Retry-After (a channel
then sends the same message again); a bug stays a plain 500."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.testing import AsyncTestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tousu_shared.runtime.service import _unexpected_error


@get("/outage")
async def outage() -> None:
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "Connect call failed"))


@get("/busy")
async def busy() -> None:
    raise PoolTimeout("QueuePool limit of size 10 overflow 10 reached, connection timed out")


@get("/bug")
async def bug() -> None:
    raise KeyError("a bug")


APP = Litestar([outage, busy, bug], exception_handlers={HTTP_500_INTERNAL_SERVER_ERROR: _unexpected_error})


async def test_the_database_away_is_a_503_to_retry() -> None:
    async with AsyncTestClient(app=APP) as client:
        r = await client.get("/outage")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "2"
    assert r.json()["detail"] == "the database is not answering; retry later"


async def test_no_free_connection_is_a_503_that_says_busy() -> None:
    async with AsyncTestClient(app=APP) as client:
        r = await client.get("/busy")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "2"
    assert r.json()["detail"] == "too busy: no database connection came free; retry later"


async def test_a_bug_is_a_500() -> None:
    async with AsyncTestClient(app=APP) as client:
        r = await client.get("/bug")
    assert r.status_code == 500
    assert "retry-after" not in r.headers

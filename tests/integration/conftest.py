from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.integration.harness import Stack, running_stack

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """One stack for the session; each test uses its own tenant, so counts never mix."""
    workdir = tmp_path_factory.mktemp("stack")
    try:
        async with running_stack(workdir, "it") as s:
            yield s
    finally:
        print(f"\nservice logs: {workdir}")

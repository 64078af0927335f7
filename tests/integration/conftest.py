from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from ulid import ULID

from tests.integration.harness import Stack, require_servers

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """One stack for the session; each test uses its own tenant, so counts never mix."""
    require_servers()
    workdir: Path = tmp_path_factory.mktemp("stack")
    s = Stack(prefix=f"it{str(ULID()).lower()[-10:]}", workdir=workdir)
    try:
        await s.start()
        yield s
    finally:
        await s.stop()
        print(f"\nservice logs: {workdir}")

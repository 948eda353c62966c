from __future__ import annotations

import pytest

from revledger.db import Database
from tests.journal.helpers import Books


@pytest.fixture
def books(tenant, database: Database) -> Books:  # type: ignore[no-untyped-def]
    return Books(tenant, database)

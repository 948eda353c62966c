from __future__ import annotations

import pytest

from revledger.db import Database
from tests.metrics.helpers import Billing


@pytest.fixture
def billing(tenant, database: Database) -> Billing:  # type: ignore[no-untyped-def]
    return Billing(tenant, database)

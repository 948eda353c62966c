from __future__ import annotations

import pytest

from revledger.db import Database
from tests.metrics.helpers import Billing
from tests.recognition.helpers import Ledger


@pytest.fixture
def ledger(tenant, database: Database) -> Ledger:  # type: ignore[no-untyped-def]
    return Ledger(Billing(tenant, database))

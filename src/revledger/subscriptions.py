"""Who reacts to which domain event (see events/bus.py), in one place.

Every entry point calls `install()` before it serves or imports anything: the app
(`create_app`) and the command line.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from revledger.events import bus
from revledger.journal import service as journal
from revledger.metrics import repository as metrics


def _mark_customers(session: Session, event: bus.CustomersChanged) -> None:
    metrics.mark(session, event.workspace_id, event.customer_pks, event.at)


def _mark_plans(session: Session, event: bus.PlansChanged) -> None:
    metrics.mark_plans(session, event.workspace_id, event.plan_pks, event.at)


def _mark_workspace(session: Session, event: bus.WorkspaceSettingsChanged) -> None:
    metrics.mark_all(session, event.workspace_id, event.at)


def _close(session: Session, event: bus.PeriodClosed) -> None:
    journal.on_period_closed(session, event.workspace_id, event.period_start, event.at)


def _reopen(session: Session, event: bus.PeriodReopened) -> None:
    journal.on_period_reopened(session, event.workspace_id, event.period_start, event.at)


def install() -> None:
    """Subscribe every reaction (idempotent)."""
    bus.subscribe(bus.CustomersChanged, _mark_customers)
    bus.subscribe(bus.PlansChanged, _mark_plans)
    bus.subscribe(bus.WorkspaceSettingsChanged, _mark_workspace)
    bus.subscribe(bus.PeriodClosed, _close)
    bus.subscribe(bus.PeriodReopened, _reopen)

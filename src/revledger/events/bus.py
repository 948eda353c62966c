"""Domain events, delivered inside the transaction that caused them.

A domain that must react to another's change subscribes to that change's event instead
of being imported by it: the publisher knows no subscriber, so every import still
points down a floor. Subscribers run synchronously, in the order they subscribed, on
the publisher's session: what they write commits or rolls back with the change itself,
so a reaction is never lost nor done for a change that did not happen.

Who reacts to what is written in one place, `revledger/subscriptions.py`, installed by
every entry point (the app, the command line). Publishing an event that nobody
subscribed to is an error: a process that forgot to install the subscriptions would
otherwise drop their work silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class PeriodClosed:
    workspace_id: str
    period_start: date
    at: datetime


@dataclass(frozen=True, slots=True)
class PeriodReopened:
    workspace_id: str
    period_start: date
    at: datetime


@dataclass(frozen=True, slots=True)
class CustomersChanged:
    """Recurring invoices of these customers were stored or replaced."""

    workspace_id: str
    customer_pks: frozenset[str]
    at: datetime


@dataclass(frozen=True, slots=True)
class PlansChanged:
    """These plans' billing intervals changed."""

    workspace_id: str
    plan_pks: frozenset[str]
    at: datetime


@dataclass(frozen=True, slots=True)
class WorkspaceSettingsChanged:
    """The reporting currency or the timezone of a workspace changed."""

    workspace_id: str
    at: datetime


E = TypeVar("E")
Handler = Callable[[Session, Any], None]

_subscribers: dict[type, list[Handler]] = {}


def subscribe(event_type: type[E], handler: Callable[[Session, E], None]) -> None:
    """Call `handler(session, event)` for every published event of this type (once,
    however often the same handler subscribes)."""
    handlers = _subscribers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def publish(session: Session, event: object) -> None:
    handlers = _subscribers.get(type(event))
    if not handlers:
        raise LookupError(
            f"nobody subscribed to {type(event).__name__}: install revledger.subscriptions"
        )
    for handler in handlers:
        handler(session, event)

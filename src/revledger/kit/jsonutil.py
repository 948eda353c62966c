"""JSON text with numbers exactly as sent: JSON numbers arrive as Decimal
(`web.DecimalJSONRequest`) and leave as the same digits, never through a float."""

from __future__ import annotations

from decimal import Decimal

import orjson


def decimal_fragment(value: object) -> orjson.Fragment:
    """orjson's `default=` hook: a Decimal is written as its own digits."""
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError


def dump_json(value: object) -> str:
    """Compact JSON with sorted keys and numbers exactly as sent."""
    return orjson.dumps(value, default=decimal_fragment, option=orjson.OPT_SORT_KEYS).decode()

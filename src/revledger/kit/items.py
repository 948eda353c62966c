"""Bulk imports item by item, in GrowPanel's shape (seed 003): the checks and the results.

A body is one object or an array of up to 1,000 objects; the answer is one result per
item, in order. Each item is checked alone and a bad item never stops the others. The
checks produce the seed's plain messages ("Missing invoice ID", "Invalid currency 'US':
...") as typed field errors whose `code` says what went wrong, so that no caller ever
reads a message to know it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any

import orjson
import pycountry

from revledger.errors import ErrorCode, FieldError, ValidationFailed
from revledger.kit.currencies import parse_currency
from revledger.kit.jsonutil import decimal_fragment, dump_json
from revledger.kit.text import all_encodable, encodable
from revledger.kit.timeutil import parse_rfc3339

Item = dict[str, object]
"""One object of a request body, as parsed from JSON (numbers as Decimal)."""
RowDict = dict[str, Any]
"""What a valid item becomes: a table row by column name (values of the columns' types)."""

MAX_ITEMS = 1000
MAX_ID = 255
MAX_TEXT = 255
FIRST_TIMESTAMP = datetime(1900, 1, 1, tzinfo=UTC)
END_TIMESTAMP = datetime(3000, 1, 1, tzinfo=UTC)
"""Timestamps are accepted from 1900-01-01 to 2999-12-31 (UTC): any workspace timezone
then still gives a day Python and PostgreSQL can represent."""


class ImportStatus(StrEnum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What became of one item: its id as sent (when it can be shown), its status and,
    for `error`, why."""

    id: str | int | None
    status: ImportStatus
    errors: tuple[FieldError, ...] = ()

    @property
    def message(self) -> str:
        """The seed's `import_error`: every message, joined by '; '."""
        return "; ".join(e.message for e in self.errors)


def item_json(result: ItemResult) -> dict[str, object]:
    """The seed's result entry: `{"id", "import_status", "import_error"?}`."""
    out: dict[str, object] = {"id": result.id, "import_status": result.status.value}
    if result.status is ImportStatus.ERROR:
        out["import_error"] = result.message
    return out


def parse_items(payload: object) -> list[Item]:
    """One object or an array of up to 1,000 objects; anything else is a 422."""
    if isinstance(payload, dict):
        return [payload]
    if isinstance(payload, list):
        if len(payload) > MAX_ITEMS:
            raise ValidationFailed(
                [
                    FieldError(
                        "body",
                        ErrorCode.INVALID,
                        f"at most {MAX_ITEMS} items per request, got {len(payload)}",
                    )
                ]
            )
        bad = [i for i, item in enumerate(payload) if not isinstance(item, dict)]
        if bad:
            raise ValidationFailed(
                [
                    FieldError(f"body.{i}", ErrorCode.INVALID, "must be a JSON object")
                    for i in bad[:20]
                ]
            )
        return payload
    raise ValidationFailed(
        [FieldError("body", ErrorCode.INVALID, "must be a JSON object or an array of JSON objects")]
    )


def shown_id(value: object) -> str | int | None:
    """An item's `id` as the result may echo it: a string or an integer that can be sent
    back as UTF-8, else None."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    if isinstance(value, str) and not encodable(value):
        return None
    return value


@dataclass
class Checker:
    """Collects the field errors of one item."""

    item: Mapping[str, object]
    errors: list[FieldError] = field(default_factory=list)

    def fail(self, name: str, code: ErrorCode, message: str) -> None:
        self.errors.append(FieldError(name, code, message))

    def _given(self, name: str, required: bool) -> object:
        """The field's value; None, with a `Missing` error when it is required, if absent."""
        value = self.item.get(name)
        if value is None and required:
            self.fail(name, ErrorCode.REQUIRED, f"Missing {name}")
        return value

    def unknown_fields(self, allowed: Iterable[str]) -> None:
        known = set(allowed)
        for name in self.item:
            if name not in known:
                self.fail(name, ErrorCode.UNKNOWN_FIELD, f"Unknown field '{name}'")

    def text(self, name: str, required: bool = False, max_len: int = MAX_TEXT) -> str | None:
        value = self.item.get(name)
        if value is None or (required and isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, ErrorCode.REQUIRED, f"Missing {name}")
            return None
        return self._string(name, value, max_len)

    def ident(self, name: str, missing_message: str) -> str | None:
        value = self.item.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail(name, ErrorCode.REQUIRED, missing_message)
            return None
        return self._string(name, value, MAX_ID, length_first=True)

    def _string(
        self, name: str, value: object, max_len: int, length_first: bool = False
    ) -> str | None:
        """A string every database can store: valid Unicode, no NUL, at most `max_len`
        characters. Ids report their length before a NUL, other text the other way."""
        if not isinstance(value, str):
            self.fail(name, ErrorCode.INVALID, f"Invalid {name} {show(value)}: must be a string")
            return None
        if not encodable(value):
            self.fail(name, ErrorCode.INVALID, f"Invalid {name}: must be valid Unicode")
            return None
        too_long = len(value) > max_len
        if "\x00" in value and not (length_first and too_long):
            self.fail(name, ErrorCode.INVALID, f"Invalid {name}: must not contain NUL characters")
            return None
        if too_long:
            self.fail(
                name, ErrorCode.TOO_LONG, f"Invalid {name}: must be at most {max_len} characters"
            )
            return None
        return value

    def integer(
        self,
        name: str,
        minimum: int,
        required: bool = False,
        what: str = "integer",
        maximum: int = 10**15 - 1,
    ) -> int | None:
        value = self._given(name, required)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            # 9900.0 or "9900" is refused, never guessed
            self.fail(name, ErrorCode.INVALID, f"Invalid {name} {show(value)}: must be {what}")
            return None
        if value < minimum or value > maximum:
            self.fail(name, ErrorCode.OUT_OF_RANGE, f"Invalid {name} {show(value)}: must be {what}")
            return None
        return value

    def timestamp(self, name: str, required: bool = True) -> datetime | None:
        value = self._given(name, required)
        if value is None:
            return None
        try:
            parsed = parse_rfc3339(value)
        except ValueError as exc:
            self.fail(name, ErrorCode.INVALID, f"Invalid {name} {show(value)}: {exc}")
            return None
        except OverflowError:
            self.fail(
                name, ErrorCode.OUT_OF_RANGE, f"Invalid {name} {show(value)}: is out of range"
            )
            return None
        if not FIRST_TIMESTAMP <= parsed < END_TIMESTAMP:
            self.fail(
                name, ErrorCode.OUT_OF_RANGE, f"Invalid {name} {show(value)}: is out of range"
            )
            return None
        return parsed

    def currency(self, name: str = "currency", required: bool = True) -> str | None:
        value = self._given(name, required)
        if value is None:
            return None
        try:
            return parse_currency(value)
        except ValueError:
            self.fail(
                name,
                ErrorCode.INVALID,
                f"Invalid {name} {show(value)}: must be a 3-letter ISO 4217 currency code",
            )
            return None

    def country(self, name: str = "country") -> str | None:
        value = self.item.get(name)
        if value is None:
            return None
        code = value.strip().upper() if isinstance(value, str) else None
        if code is None or code not in country_codes():
            self.fail(
                name,
                ErrorCode.INVALID,
                f"Invalid {name} {show(value)}: must be an ISO 3166-1 alpha-2 country code",
            )
            return None
        return code

    def choice(self, name: str, options: tuple[str, ...], required: bool = True) -> str | None:
        value = self._given(name, required)
        if value is None:
            return None
        if value not in options:
            self.fail(
                name,
                ErrorCode.INVALID,
                f"Invalid {name} {show(value)}: must be one of {', '.join(options)}",
            )
            return None
        return str(value)

    def json_object(self, name: str, max_chars: int = 10_000) -> str | None:
        value = self.item.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(name, ErrorCode.INVALID, f"Invalid {name}: must be a JSON object")
            return None
        if not all_encodable(value):
            self.fail(name, ErrorCode.INVALID, f"Invalid {name}: must be valid Unicode")
            return None
        text = dump_json(value)
        if len(text) > max_chars:
            self.fail(
                name,
                ErrorCode.TOO_LONG,
                f"Invalid {name}: must be at most {max_chars} characters serialized",
            )
            return None
        return text


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def show(value: object) -> str:
    """A value as a message quotes it: `'…'`, at most 60 characters inside."""
    if isinstance(value, str):
        text = value if encodable(value) else value.encode("utf-8", "backslashreplace").decode()
    else:
        try:
            text = orjson.dumps(value, default=decimal_fragment).decode()
        except TypeError:
            text = str(value)
            if not encodable(text):
                text = text.encode("utf-8", "backslashreplace").decode()
    if len(text) > 60:
        text = text[:57] + "..."
    return f"'{text}'"


Checked = tuple[RowDict | None, tuple[FieldError, ...]]
"""A checked item: (the row to store, no errors) or (None, its errors)."""


def split_valid(
    items: Sequence[Item], validate: Callable[[Item], Checked]
) -> tuple[dict[int, tuple[FieldError, ...]], list[tuple[int, RowDict]]]:
    """Judge every item alone: (errors by item index, valid rows with their index)."""
    errors: dict[int, tuple[FieldError, ...]] = {}
    rows: list[tuple[int, RowDict]] = []
    for index, item in enumerate(items):
        row, problems = validate(item)
        if problems:
            errors[index] = problems
        else:
            assert row is not None
            rows.append((index, row))
    return errors, rows


def results(
    items: Sequence[Item],
    errors: Mapping[int, tuple[FieldError, ...]],
    statuses: Mapping[int, ImportStatus],
) -> list[ItemResult]:
    """One result per item, in order."""
    out = []
    for i, item in enumerate(items):
        shown = shown_id(item.get("id"))
        if i in errors:
            out.append(ItemResult(shown, ImportStatus.ERROR, errors[i]))
        else:
            out.append(ItemResult(shown, statuses[i]))
    return out

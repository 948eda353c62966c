"""Pure rules of uploads: templates laid over a file's header, cells parsed with the
template's formats, rows turned into the API's records. No database, no I/O.

Pre-stage (all or nothing) checks what these functions check: the header has every
required column, each row has as many cells as the header, every required cell has a
value, and every amount and date parses with the template's formats. Everything else
(sign rules, currencies, sources, references, idempotency) is the business services'
job during staging, exactly as for the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import TypedDict

import orjson

from revledger.kit.items import Item
from revledger.kit.timeutil import format_utc, get_zone, parse_rfc3339

TARGETS: tuple[str, ...] = ("revenues", "customers", "plans", "invoices")

# Field kinds: text, amount (decimal), cents (whole minor units), int, datetime, json.
TARGET_FIELDS: dict[str, dict[str, str]] = {
    "revenues": {
        "revenue_source_id": "text",
        "type": "text",
        "amount": "amount",
        "currency": "text",
        "occurred_at": "datetime",
        "external_id": "text",
        "external_product_identifier": "text",
        "description": "text",
        "metadata": "json",
    },
    "customers": {
        "id": "text",
        "data_source": "text",
        "name": "text",
        "email": "text",
        "country": "text",
        "company": "text",
        "custom_variables": "json",
    },
    "plans": {
        "id": "text",
        "data_source": "text",
        "name": "text",
        "interval_count": "int",
        "interval_unit": "text",
        "currency": "text",
        "amount_cents": "cents",
    },
    "invoices": {
        "id": "text",
        "customer_id": "text",
        "data_source": "text",
        "type": "text",
        "date": "datetime",
        "amount_cents": "cents",
        "currency": "text",
        "plan_id": "text",
        "subscription_id": "text",
        "start_date": "datetime",
        "end_date": "datetime",
        "quantity": "int",
        "discount": "cents",
    },
}
MAP_FIELDS = {"revenues": "metadata", "customers": "custom_variables"}
"""The object field whose keys a template may fill column by column (`metadata.<key>`)."""
SOURCE_FIELDS = {
    "revenues": "revenue_source_id",
    "customers": "data_source",
    "plans": "data_source",
    "invoices": "data_source",
}
KEY_FIELDS = {
    "revenues": "external_id",
    "customers": "id",
    "plans": "id",
    "invoices": "id",
}

ERROR_COLUMNS = ("error_row_number", "error_column", "error_code", "error_message")
"""The columns GET /uploads/{id}/errors (CSV) puts before a kept row's own cells. A file
carrying them (that CSV, fixed) is still recognised by its other headers."""

# Error codes of upload rows.
MISSING_COLUMN = "MISSING_COLUMN"
WRONG_CELL_COUNT = "WRONG_CELL_COUNT"
MISSING_VALUE = "MISSING_VALUE"
BAD_AMOUNT = "BAD_AMOUNT"
BAD_DATE = "BAD_DATE"
BAD_CSV = "BAD_CSV"
BAD_ENCODING = "BAD_ENCODING"
INVALID = "INVALID"
UNKNOWN_REFERENCE = "UNKNOWN_REFERENCE"


class ColumnDefinition(TypedDict):
    """A template column as stored and shown (the wire shape of `schemas.ColumnOut`)."""

    header: str
    field: str
    required: bool
    default: str | None


class TemplateDefinition(TypedDict):
    """What a version of a template is made of, stored as JSON (`definition` of
    upload_templates, `template_definition` of uploads)."""

    columns: list[ColumnDefinition]
    date_format: str | None
    timezone: str | None
    delimiter: str
    decimal_separator: str


class ProblemOut(TypedDict):
    """A problem of a row as the API shows it (with where the row is: schemas.RepostError)."""

    column: str | None
    value: str | None
    code: str
    message: str


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    default: str | None = None

    @property
    def wildcard(self) -> bool:
        return self.header.endswith("*")

    def out(self) -> ColumnDefinition:
        return {
            "header": self.header,
            "field": self.field,
            "required": self.required,
            "default": self.default,
        }


@dataclass(frozen=True)
class Template:
    name: str
    target: str
    columns: tuple[Column, ...]
    date_format: str | None = None
    timezone: str | None = None
    delimiter: str = ","
    decimal_separator: str = "."
    version: int = 1
    builtin: bool = False
    created_at: datetime | None = None

    def definition(self) -> TemplateDefinition:
        """What a version is made of (stored as JSON; equal definitions = no new version)."""
        return {
            "columns": [c.out() for c in self.columns],
            "date_format": self.date_format,
            "timezone": self.timezone,
            "delimiter": self.delimiter,
            "decimal_separator": self.decimal_separator,
        }

    def definition_json(self) -> str:
        return orjson.dumps(self.definition()).decode()

    @classmethod
    def from_definition(
        cls,
        name: str,
        target: str,
        version: int,
        definition: str | TemplateDefinition,
        builtin: bool = False,
        created_at: datetime | None = None,
    ) -> Template:
        d = orjson.loads(definition) if isinstance(definition, str) else definition
        return cls(
            name=name,
            target=target,
            columns=tuple(
                Column(c["header"], c["field"], bool(c["required"]), c.get("default"))
                for c in d["columns"]
            ),
            date_format=d.get("date_format"),
            timezone=d.get("timezone"),
            delimiter=d.get("delimiter") or ",",
            decimal_separator=d.get("decimal_separator") or ".",
            version=version,
            builtin=builtin,
            created_at=created_at,
        )

    def expected_headers(self) -> list[str]:
        return [c.header for c in self.columns]


def norm(header: str) -> str:
    return header.strip().lower()


def field_kind(target: str, name: str) -> str | None:
    """The kind of a template field of `target`, or None if it is not one."""
    kinds = TARGET_FIELDS[target]
    if name in kinds:
        return kinds[name]
    prefix = MAP_FIELDS.get(target)
    if prefix is not None and name.startswith(prefix + ".") and len(name) > len(prefix) + 1:
        return "map"
    return None


# --- cells ----------------------------------------------------------------------------

_PLAIN = {".": re.compile(r"([+-]?)(\d+)(?:\.(\d+))?"), ",": re.compile(r"([+-]?)(\d+)(?:,(\d+))?")}
_GROUPED = {
    ".": re.compile(r"([+-]?)(\d{1,3}(?:[,' \u00a0\u202f]\d{3})+)(?:\.(\d+))?"),
    ",": re.compile(r"([+-]?)(\d{1,3}(?:[.' \u00a0\u202f]\d{3})+)(?:,(\d+))?"),
}
_GROUP_CHARS = re.compile(r"[.,' \u00a0\u202f]")


def parse_decimal_text(value: str, separator: str) -> str:
    """A cell amount -> a canonical decimal string ('-1234.5'). The template's decimal
    separator; groups of three digits may be separated by the other mark, a space or an
    apostrophe ('1,234.50', '1.234,50', "1'234.50"). Raises ValueError."""
    m = _PLAIN[separator].fullmatch(value) or _GROUPED[separator].fullmatch(value)
    if m is None:
        raise ValueError(
            f"is not an amount (decimal separator '{separator}', e.g. "
            f"{'1234.50' if separator == '.' else '1234,50'})"
        )
    sign, whole, frac = m.groups()
    whole = _GROUP_CHARS.sub("", whole)
    text = f"{'-' if sign == '-' else ''}{whole}"
    return f"{text}.{frac}" if frac else text


def parse_cents(value: str, separator: str) -> int:
    text = parse_decimal_text(value, separator)
    number = Decimal(text)
    if number != number.to_integral_value():
        raise ValueError("must be a whole number of minor units (cents)")
    return int(number)


_DIRECTIVES = {
    "Y": r"(?P<Y>\d{4})",
    "y": r"(?P<y>\d{2})",
    "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
    "H": r"(?P<H>\d{1,2})",
    "M": r"(?P<M>\d{1,2})",
    "S": r"(?P<S>\d{1,2})",
    "f": r"(?P<f>\d{1,6})",
    "z": r"(?P<z>Z|z|[+-]\d{2}:?\d{2})",
    "b": r"(?P<b>[A-Za-z]{3})",
    "%": "%",
}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAIVE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")


def validate_date_format(fmt: str) -> None:
    """A strftime-style format with a year, a month and a day; ValueError otherwise."""
    i = 0
    seen = set()
    while i < len(fmt):
        if fmt[i] == "%":
            if i + 1 >= len(fmt) or fmt[i + 1] not in _DIRECTIVES:
                raise ValueError(
                    "supports the directives %Y %y %m %d %b %H %M %S %f %z and %%"
                    f" (at '{fmt[i : i + 2]}')"
                )
            seen.add(fmt[i + 1])
            i += 2
        else:
            i += 1
    if not ({"Y", "y"} & seen and {"m", "b"} & seen and "d" in seen):
        raise ValueError("must contain a year (%Y or %y), a month (%m or %b) and a day (%d)")


def _format_regex(fmt: str) -> re.Pattern[str]:
    parts = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            parts.append(_DIRECTIVES[fmt[i + 1]])
            i += 2
        else:
            parts.append(re.escape(fmt[i]))
            i += 1
    return re.compile("".join(parts))


def _offset(text: str) -> tzinfo:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


_NO_ZONE = "has no timezone: give an offset or 'Z', or set the template's timezone"


def date_parser(fmt: str | None, zone_name: str | None) -> Callable[[str], datetime]:
    """A function cell -> aware UTC datetime, raising ValueError with a client message.

    Without a format: RFC 3339, or a date (midnight) or a timestamp without offset read
    in the template's timezone. With a format (strftime directives): values without %z
    are read in the template's timezone. A value without any timezone is refused."""
    zone = get_zone(zone_name) if zone_name else None

    def localize(naive: datetime) -> datetime:
        if zone is None:
            raise ValueError(_NO_ZONE)
        return naive.replace(tzinfo=zone).astimezone(UTC)

    if fmt is None:

        def parse_default(value: str) -> datetime:
            if _DATE_ONLY.fullmatch(value):
                try:
                    day = datetime.strptime(value, "%Y-%m-%d")
                except ValueError:
                    raise ValueError("is not a valid calendar date") from None
                return localize(day)
            if _NAIVE.fullmatch(value):
                try:
                    naive = datetime.fromisoformat(value.replace("t", "T"))
                except ValueError:
                    raise ValueError("is not a valid date and time") from None
                return localize(naive)
            return parse_rfc3339(value)

        return parse_default

    pattern = _format_regex(fmt)

    def parse_with_format(value: str) -> datetime:
        m = pattern.fullmatch(value)
        if m is None:
            raise ValueError(f"does not match the date format '{fmt}'")
        g = m.groupdict()
        try:
            year = int(g["Y"]) if g.get("Y") is not None else 2000 + int(g["y"])
            month = _MONTHS.get(g["b"].lower(), 0) if g.get("b") is not None else int(g["m"])
            micro = int((g.get("f") or "0").ljust(6, "0"))
            moment = datetime(
                year,
                month,
                int(g["d"]),
                int(g.get("H") or 0),
                int(g.get("M") or 0),
                int(g.get("S") or 0),
                micro,
            )
        except ValueError:
            raise ValueError(f"is not a valid date (format '{fmt}')") from None
        if g.get("z") is not None:
            return moment.replace(tzinfo=_offset(g["z"])).astimezone(UTC)
        return localize(moment)

    return parse_with_format


# --- a template laid over a file's header ---------------------------------------------


@dataclass(frozen=True)
class Problem:
    column: str | None
    value: str | None
    code: str
    message: str

    def out(self) -> ProblemOut:
        return {
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class Layout:
    """Which cell of a row feeds which field, and how it is parsed."""

    template: Template
    header: list[str]
    slots: list[tuple[int, str, Column, str, str | None]] = field(default_factory=list)
    """(cell index, header as in the file, template column, kind, map key)"""
    constants: list[tuple[Column, str, str | None]] = field(default_factory=list)
    """Template columns absent from the file but with a default: (column, kind, map key)."""
    missing: list[str] = field(default_factory=list)
    """Required headers the file lacks."""
    ignored: list[str] = field(default_factory=list)
    header_by_field: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> set[str]:
        return {c.field for _i, _h, c, _k, _m in self.slots} | {
            c.field for c, _k, _m in self.constants
        }


def _kind_and_key(target: str, column: Column, header: str) -> tuple[str, str | None]:
    """A column's kind and, for `metadata.<key>` style fields, the key it fills."""
    prefix = MAP_FIELDS.get(target)
    if prefix is not None and column.field.startswith(prefix + "."):
        key = column.field[len(prefix) + 1 :]
        if key == "*":
            key = header.strip()[len(column.header) - 1 :]
        return "map", key
    return TARGET_FIELDS[target][column.field], None


def layout(template: Template, header: Sequence[str]) -> Layout:
    out = Layout(template, list(header))
    exact = {norm(c.header): c for c in template.columns if not c.wildcard}
    wild = [(norm(c.header[:-1]), c) for c in template.columns if c.wildcard]
    used: set[str] = set()
    for index, raw in enumerate(header):
        key = norm(raw)
        column = exact.get(key)
        if column is None:
            for prefix, candidate in wild:
                if key.startswith(prefix) and len(key) > len(prefix):
                    column = candidate
                    break
        if column is None or (key in used and not column.wildcard):
            out.ignored.append(raw)
            continue
        used.add(key)
        kind, map_key = _kind_and_key(template.target, column, raw)
        out.slots.append((index, raw.strip(), column, kind, map_key))
        name = column.field if map_key is None else f"{MAP_FIELDS[template.target]}.{map_key}"
        out.header_by_field.setdefault(name, raw.strip())
    present = {norm(h) for h in header}
    for column in template.columns:
        if column.wildcard:
            continue
        if norm(column.header) in present:
            continue
        if column.required:
            out.missing.append(column.header)
        elif column.default is not None:
            kind, map_key = _kind_and_key(template.target, column, column.header)
            out.constants.append((column, kind, map_key))
    return out


def fit(template: Template, header: Sequence[str]) -> int | None:
    """How well a header fits a template for auto-detection: None if it does not (a
    required column is missing or a header is not one of the template's), else the
    number of headers matched."""
    lay = layout(template, header)
    unknown = [h for h in lay.ignored if norm(h) not in ERROR_COLUMNS]
    if lay.missing or unknown or not lay.slots:
        return None
    return len(lay.slots)


class Converter:
    """Cells of one row -> the record for the service, or the row's pre-stage problems."""

    def __init__(self, lay: Layout, default_source: str | None) -> None:
        t = lay.template
        self.lay = lay
        self.width = len(lay.header)
        self.target = t.target
        self.map_field = MAP_FIELDS.get(t.target)
        self.source_field = SOURCE_FIELDS[t.target]
        self.default_source = default_source
        self.parse_date = date_parser(t.date_format, t.timezone)
        self.separator = t.decimal_separator

    def _value(self, kind: str, text: str) -> object:
        if kind == "text" or kind == "map":
            return text
        if kind == "amount":
            return parse_decimal_text(text, self.separator)
        if kind == "cents":
            return parse_cents(text, self.separator)
        if kind == "int":
            return int(text) if text.isascii() and text.lstrip("-").isdigit() else text
        if kind == "datetime":
            return format_utc(self.parse_date(text), zulu=True)
        if kind == "json":
            try:
                return orjson.loads(text) if text[:1] in "{[" else text
            except orjson.JSONDecodeError:
                return text
        raise AssertionError(kind)

    def convert(self, cells: list[str]) -> tuple[Item, list[Problem]]:
        problems: list[Problem] = []
        if len(cells) != self.width:
            problems.append(
                Problem(
                    None,
                    None,
                    WRONG_CELL_COUNT,
                    f"has {len(cells)} cells, the header has {self.width}",
                )
            )
            return {}, problems
        record: Item = {}
        mapped: dict[str, object] | None = None
        for index, header, column, kind, map_key in self.lay.slots:
            text = cells[index].strip()
            if not text:
                if column.default is None:
                    if column.required:
                        problems.append(Problem(header, "", MISSING_VALUE, "is required"))
                    continue
                text = column.default
            try:
                value = self._value(kind, text)
            except ValueError as exc:
                code = BAD_DATE if kind == "datetime" else BAD_AMOUNT
                problems.append(Problem(header, cells[index], code, str(exc)))
                continue
            if map_key is not None:
                if mapped is None:
                    mapped = {}
                mapped[map_key] = value
            else:
                record[column.field] = value
        for column, kind, map_key in self.lay.constants:
            assert column.default is not None
            try:
                value = self._value(kind, column.default)
            except ValueError as exc:
                problems.append(
                    Problem(
                        column.header,
                        column.default,
                        BAD_DATE if kind == "datetime" else BAD_AMOUNT,
                        str(exc),
                    )
                )
                continue
            if map_key is not None:
                mapped = mapped or {}
                mapped[map_key] = value
            else:
                record[column.field] = value
        if mapped is not None and self.map_field is not None:
            base = record.get(self.map_field)
            if isinstance(base, dict):
                base.update(mapped)
            elif base is None:
                record[self.map_field] = mapped
        if self.default_source is not None and not record.get(self.source_field):
            record[self.source_field] = self.default_source
        return record, problems

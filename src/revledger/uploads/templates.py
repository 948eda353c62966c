"""Built-in upload templates and the checks of a workspace's own templates.

One built-in template per target, named after the target, whose headers are the API's
field names (`metadata.<key>` / `custom_variables.<key>` columns fill those objects key
by key), and `allocora-revenues` with Allocora's recommended export columns.
Built-in templates are version 1 forever; their names are reserved.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from revledger.errors import ErrorCode, FieldError, ValidationFailed
from revledger.kit.timeutil import get_zone
from revledger.uploads.rules import (
    MAP_FIELDS,
    TARGET_FIELDS,
    TARGETS,
    Column,
    ColumnDefinition,
    Template,
    field_kind,
    norm,
    validate_date_format,
)
from revledger.uploads.schemas import TemplateIn

REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "revenues": ("type", "amount", "currency", "occurred_at", "external_id"),
    "customers": ("id",),
    "plans": ("id", "interval_unit"),
    "invoices": (
        "id",
        "customer_id",
        "type",
        "date",
        "amount_cents",
        "currency",
        "start_date",
        "end_date",
    ),
}
"""Fields a record of the target cannot do without: a template must map each one."""


def _api_template(target: str) -> Template:
    required = set(REQUIRED_FIELDS[target])
    columns = [Column(name, name, name in required) for name in TARGET_FIELDS[target]]
    prefix = MAP_FIELDS.get(target)
    if prefix is not None:
        columns.append(Column(f"{prefix}.*", f"{prefix}.*"))
    return Template(name=target, target=target, columns=tuple(columns), builtin=True)


ALLOCORA = Template(
    name="allocora-revenues",
    target="revenues",
    columns=(
        Column("external_revenue_id", "external_id", True),
        Column("transaction_date", "occurred_at", True),
        Column("amount", "amount", True),
        Column("currency", "currency", True),
        Column("revenue_type", "type", True),
        Column("external_product_id", "external_product_identifier"),
        Column("metadata_*", "metadata.*"),
        Column("revenue_source_id", "revenue_source_id"),
    ),
    timezone="UTC",
    builtin=True,
)
"""Allocora's recommended columns; its timestamps are UTC (as its API returns them), so
a transaction_date without an offset is read in UTC."""

BUILTIN: dict[str, Template] = {t.name: t for t in [*map(_api_template, TARGETS), ALLOCORA]}


def check_template(body: TemplateIn) -> Template:
    """A validated template from the request body (already shaped by schemas.TemplateIn);
    every problem is a 422 naming the field."""
    errors: list[FieldError] = []
    name: str = body.name
    target: str = body.target
    if name in BUILTIN:
        errors.append(
            FieldError("name", ErrorCode.INVALID, f"'{name}' is a built-in template's name")
        )
    columns: list[Column] = []
    headers: set[str] = set()
    fields: set[str] = set()
    for i, raw in enumerate(body.columns):
        header, fld = raw.header.strip(), raw.field.strip()
        where = f"columns.{i}"
        if not header:
            errors.append(FieldError(f"{where}.header", ErrorCode.INVALID, "must not be empty"))
            continue
        wildcard_header = header.endswith("*")
        wildcard_field = fld.endswith(".*")
        kind = field_kind(target, fld[:-1] + "x" if wildcard_field else fld)
        if kind is None:
            known = ", ".join(TARGET_FIELDS[target])
            extra = f", {MAP_FIELDS[target]}.<key>" if target in MAP_FIELDS else ""
            errors.append(
                FieldError(
                    f"{where}.field",
                    ErrorCode.INVALID,
                    f"'{fld}' is not a field of {target} (one of {known}{extra})",
                )
            )
            continue
        if wildcard_header != wildcard_field:
            errors.append(
                FieldError(
                    f"{where}.header",
                    ErrorCode.INVALID,
                    "a header ending in '*' goes with a field ending in '.*' "
                    f"(e.g. metadata_* -> {MAP_FIELDS.get(target, 'metadata')}.*)",
                )
            )
            continue
        if wildcard_header and (raw.required or raw.default is not None):
            errors.append(
                FieldError(
                    f"{where}",
                    ErrorCode.INVALID,
                    "a wildcard column can be neither required nor defaulted",
                )
            )
            continue
        if norm(header) in headers:
            errors.append(
                FieldError(f"{where}.header", ErrorCode.INVALID, f"'{header}' appears twice")
            )
            continue
        if fld in fields and not wildcard_field:
            errors.append(
                FieldError(f"{where}.field", ErrorCode.INVALID, f"'{fld}' is mapped twice")
            )
            continue
        headers.add(norm(header))
        fields.add(fld)
        columns.append(Column(header, fld, raw.required, raw.default))
    missing = [f for f in REQUIRED_FIELDS[target] if f not in fields]
    if missing and not errors:
        errors.append(
            FieldError(
                "columns",
                ErrorCode.INVALID,
                f"a {target} template must map the fields {', '.join(missing)}",
            )
        )
    date_format = body.date_format or None
    if date_format is not None:
        try:
            validate_date_format(date_format)
        except ValueError as exc:
            errors.append(FieldError("date_format", ErrorCode.INVALID, str(exc)))
    zone = body.timezone or None
    if zone is not None:
        try:
            get_zone(zone)
        except ValueError as exc:
            errors.append(FieldError("timezone", ErrorCode.INVALID, str(exc)))
    delimiter = body.delimiter or ","
    if delimiter in ('"', "\r", "\n") or len(delimiter) != 1:
        errors.append(
            FieldError(
                "delimiter", ErrorCode.INVALID, "must be one character, not a quote or newline"
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return Template(
        name=name,
        target=target,
        columns=tuple(columns),
        date_format=date_format,
        timezone=zone,
        delimiter=delimiter,
        decimal_separator=body.decimal_separator or ".",
    )


class TemplateOut(TypedDict):
    """A template as the API shows it (the wire shape of `schemas.TemplateOut`)."""

    name: str
    version: int
    target: str
    builtin: bool
    columns: list[ColumnDefinition]
    date_format: str | None
    timezone: str | None
    delimiter: str
    decimal_separator: str
    created_at: datetime | None


def template_out(t: Template) -> TemplateOut:
    return {
        "name": t.name,
        "version": t.version,
        "target": t.target,
        "builtin": t.builtin,
        **t.definition(),
        "created_at": t.created_at,
    }

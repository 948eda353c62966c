"""The TypedDicts that services return to routers have the fields of the response
models that declare them (schemas.py), in the same order: the two are kept in step."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from revledger.revenues import schemas as revenue_schemas
from revledger.revenues import service as revenue_service
from revledger.uploads import rules, schemas, service, templates


@pytest.mark.parametrize(
    ("shape", "model"),
    [
        (service.UploadOut, schemas.UploadOut),
        (service.ErrorOut, schemas.ErrorOut),
        (service.RepostError, schemas.RepostError),
        (service.RepostOut, schemas.RepostOut),
        (service.DiscardOut, schemas.DiscardOut),
        (templates.TemplateOut, schemas.TemplateOut),
        (rules.ColumnDefinition, schemas.ColumnOut),
        (revenue_service.RevenueOut, revenue_schemas.RevenueOut),
    ],
    ids=lambda t: t.__name__,
)
def test_a_wire_shape_has_its_response_models_fields(shape: type, model: type[BaseModel]) -> None:
    assert list(shape.__annotations__) == list(model.model_fields)
    assert shape.__required_keys__ == frozenset(model.model_fields)  # type: ignore[attr-defined]

"""Issue 10, item 6 (second bullet): a file that ends inside a quoted cell fails as
BAD_CSV naming the line where that cell began, and nothing is posted from it; closed
quoted cells may hold newlines (RFC 4180); a quote inside an unquoted cell is text."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from revledger.db import Database
from revledger.revenues.models import Revenue
from revledger.uploads import files
from tests.conftest import Tenant
from tests.test_cli import fresh_pg_url, fresh_url  # noqa: F401  (fixtures)
from tests.test_cli_import import _import, local  # noqa: F401  (fixture)
from tests.uploads.helpers import HEADER, csv_text, errors, get, revenue_ids, sales, upload

DESCRIBED = [*HEADER, "description"]


def _lines(n: int, broken_row: int | None = None, fixed: bool = False) -> str:
    """A revenues file with a description column, written by hand (one line per row);
    data row `broken_row`'s description opens a quote that is never closed (or, when
    `fixed`, closed)."""
    out = [",".join(DESCRIBED)]
    for number, row in enumerate(sales(n), 1):
        if number == broken_row:
            description = '"broken"' if fixed else '"broken'
        else:
            description = f"item {number}"
        out.append(",".join([*row, description]))
    return "\n".join(out) + "\n"


def _descriptions(tenant: Tenant) -> dict[str, str | None]:
    body = tenant.http.get("/api/v1/revenues", params={"per_page": 100}).json()
    return {r["external_id"]: r["description"] for r in body["data"]}


def _stage_errors(tenant: Tenant) -> list[dict[str, Any]]:
    response = tenant.http.get("/api/v1/stage-errors")
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_an_unterminated_quoted_cell_fails_the_upload_and_posts_nothing(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    text = _lines(4, broken_row=2)
    assert text.splitlines()[2].endswith(',"broken')  # line 3 of the file: data row 2
    data = upload(tenant, text, template="revenues", source=source)
    assert data["rows_total"] is None  # not valid CSV: its rows cannot be counted
    done = get(tenant, data["id"])
    assert done["status"] == "failed"
    assert (done["rows_total"], done["rows_checked"], done["rows_processed"]) == (2, 2, 0)
    assert (done["rows_posted"], done["rows_duplicate"], done["rows_error"]) == (0, 0, 1)
    assert "nothing was posted" in (done["message"] or "")
    [error] = errors(tenant, done["id"])
    assert error["code"] == "BAD_CSV"
    assert (error["row_number"], error["line"], error["phase"]) == (2, 3, "pre_stage")
    assert error["column"] == "description"
    assert "line 3" in error["message"] and "never closed" in error["message"]
    assert revenue_ids(tenant) == []
    assert _stage_errors(tenant) == []

    fixed = get(tenant, upload(tenant, _lines(4, broken_row=2, fixed=True), source=source)["id"])
    assert fixed["status"] == "completed"
    assert (fixed["rows_total"], fixed["rows_posted"], fixed["rows_error"]) == (4, 4, 0)
    assert _descriptions(tenant) == {"s0": "item 1", "s1": "broken", "s2": "item 3", "s3": "item 4"}


def test_the_line_named_is_where_the_quoted_cell_began(tenant: Tenant) -> None:
    """Closed quoted cells with newlines before it move the line on; the error's `line`
    is where its row starts, the message names the line where the open cell began."""
    source = tenant.source("stripe")
    header = ["description", *HEADER, "metadata.note"]
    text = (
        ",".join(header)
        + "\n"
        # data row 1: lines 2-4 (its description holds two newlines)
        + '"one\ntwo\nthree",'
        + ",".join(sales(1)[0])
        + ",ok\n"
        # data row 2: lines 5-6; its note opens on line 6 and is never closed
        + '"four\nfive",'
        + ",".join(sales(1, start=1)[0])
        + ',"never closed\n'
        + ",".join(["x", *sales(1, start=2)[0], "y"])
        + "\n"
    )
    done = get(tenant, upload(tenant, text, source=source)["id"])
    assert done["status"] == "failed"
    [error] = errors(tenant, done["id"])
    assert (error["code"], error["row_number"], error["line"]) == ("BAD_CSV", 2, 5)
    assert error["column"] == "metadata.note"
    assert "line 6" in error["message"]
    assert revenue_ids(tenant) == []


def test_closed_quoted_cells_with_newlines_are_kept_exactly(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    kept = 'first line\nsecond, with "quotes"\n\nafter a blank line'
    rows = [
        [*sales(1)[0], kept],
        [*sales(1, start=1)[0], '"all quoted"'],
        [*sales(1, start=2)[0], ""],
    ]
    text = csv_text(rows, DESCRIBED)
    assert text.count("\n") > 4  # the newlines are in the file, inside a quoted cell
    data = upload(tenant, text, source=source)
    assert data["rows_total"] == 3
    done = get(tenant, data["id"])
    assert (done["status"], done["rows_posted"]) == ("completed", 3)
    described = _descriptions(tenant)
    assert described["s0"] == kept and described["s1"] == '"all quoted"'


def test_a_quote_inside_an_unquoted_cell_is_text_as_before(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    text = (
        ",".join(DESCRIBED)
        + "\n"
        + ",".join([*sales(1)[0], '12" pizza'])
        + "\n"
        + ",".join([*sales(1, start=1)[0], 'say "hi"'])
        + "\n"
        + ",".join([*sales(1, start=2)[0], 'ends with a quote"'])
        + "\n"
    )
    data = upload(tenant, text, source=source)
    assert data["rows_total"] == 3
    done = get(tenant, data["id"])
    assert (done["status"], done["rows_posted"]) == ("completed", 3)
    assert _descriptions(tenant) == {
        "s0": '12" pizza',
        "s1": 'say "hi"',
        "s2": 'ends with a quote"',
    }


def test_an_unterminated_quote_past_the_first_chunk_posts_nothing(tenant: Tenant) -> None:
    """Staging posts in chunks of 2,000 rows; rows 1-2,000 are valid, row 2,100 opens a
    quote that the file never closes: the whole file fails and no chunk is posted."""
    source = tenant.source("stripe")
    done = get(tenant, upload(tenant, _lines(2500, broken_row=2100), source=source)["id"])
    assert done["status"] == "failed"
    assert (done["rows_posted"], done["rows_processed"], done["rows_total"]) == (0, 0, 2100)
    [error] = errors(tenant, done["id"])
    assert (error["code"], error["row_number"], error["line"]) == ("BAD_CSV", 2100, 2101)
    assert "line 2101" in error["message"]
    assert revenue_ids(tenant) == []
    assert _stage_errors(tenant) == []


def test_a_quote_left_open_over_a_million_characters_names_its_line(tenant: Tenant) -> None:
    """The rest of the file is longer than a cell may be (1,000,000 characters): the
    reader stops there, and the error still names the line where the cell began."""
    source = tenant.source("stripe")
    text = _lines(20_000, broken_row=2)
    assert len(text) > 1_100_000
    done = get(tenant, upload(tenant, text, source=source)["id"])
    assert done["status"] == "failed"
    [error] = errors(tenant, done["id"])
    assert (error["code"], error["row_number"], error["line"]) == ("BAD_CSV", 2, 3)
    assert error["column"] == "description"
    assert "line 3" in error["message"] and "1,000,000" in error["message"]
    assert revenue_ids(tenant) == []


def test_a_header_with_an_unterminated_quote_is_refused(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    text = ",".join(HEADER) + ',"description\n' + "\n".join(",".join(r) for r in sales(3)) + "\n"
    for template in (None, "revenues"):
        response = tenant.http.post(
            "/api/v1/uploads",
            files={"file": ("h.csv", text.encode(), "text/csv")},
            data={"revenue_source_id": source, **({"template": template} if template else {})},
        )
        assert response.status_code == 422, response.text
        assert "never closed" in response.text and "line 1" in response.text
    assert tenant.http.get("/api/v1/uploads").json()["data"] == []
    assert revenue_ids(tenant) == []


def test_a_repost_that_ends_inside_a_quoted_cell_is_refused_and_posts_nothing(
    tenant: Tenant,
) -> None:
    """A repost posts its lines 1,000 at a time in the request's transaction: the first
    thousand, which correct a staged row, are rolled back with the refusal."""
    source = tenant.source("stripe")
    refund = ["refund", "5.00", "USD", "2026-05-31T10:00:00Z", "r-1"]
    data = upload(tenant, csv_text([*sales(2), refund]), source=source)
    assert get(tenant, data["id"])["rows_error"] == 1
    head = "error_row_number,error_column,error_code,error_message," + ",".join(HEADER)
    lines = [head, "3,,,," + ",".join([*refund[:1], "-5.00", *refund[2:]])]
    lines += [f"9{i:05d},,,," + ",".join(r) for i, r in enumerate(sales(1100, "n"))]
    lines.append('99999,,,,sale,1.00,USD,2026-05-31T10:00:00Z,"broken')
    response = tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        content=("\n".join(lines) + "\n").encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 422, response.text[:500]
    assert "never closed" in response.text and "line 1103" in response.text
    assert revenue_ids(tenant) == ["s0", "s1"]
    assert [e["row_number"] for e in _stage_errors(tenant)] == [3]
    assert get(tenant, data["id"])["rows_error"] == 1


def test_local_import_of_an_unterminated_quote_fails_and_posts_nothing(
    local: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text(_lines(4, broken_row=2))
    result = _import(local, path, "--source", "stripe")
    assert result.exit_code == 2, result.output
    assert "failed" in result.output
    rows = list(csv.DictReader((tmp_path / "quoted.csv.errors.csv").open()))
    assert [(r["error_row_number"], r["error_column"], r["error_code"]) for r in rows] == [
        ("2", "description", "BAD_CSV")
    ]
    assert "line 3" in rows[0]["error_message"]
    db = Database(local["url"])
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Revenue)) == 0
    db.dispose()

    path.write_text(_lines(4, broken_row=2, fixed=True))
    result = _import(local, path, "--source", "stripe")
    assert result.exit_code == 0, result.output
    assert "posted 4" in result.output
    assert not (tmp_path / "quoted.csv.errors.csv").exists()


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_the_reader_counts_lines_as_the_file_has_them(tmp_path: Path, newline: str) -> None:
    """Every line break counts, in closed quoted cells too, whatever the line ending."""
    path = tmp_path / "f.csv"
    text = newline.join(["a,b", '1,"x', 'y"', "2,z", '3,"open', "4,w", ""])
    path.write_bytes(text.encode())
    with pytest.raises(files.FileProblem) as caught:
        list(files.records(path, ","))
    problem = caught.value
    assert (problem.code, problem.row_number, problem.line, problem.column) == (
        "BAD_CSV",
        3,
        5,
        "b",
    )
    assert "begins on line 5 is never closed" in problem.message
    assert files.count_rows(path, ",") is None
    path.write_bytes(text.replace('"open', '"open"').encode())
    assert [(n, line, c) for n, line, c in files.records(path, ",")] == [
        (1, 2, ["1", f"x{newline}y"]),
        (2, 4, ["2", "z"]),
        (3, 5, ["3", "open"]),
        (4, 6, ["4", "w"]),
    ]
    assert files.count_rows(path, ",") == 4


def test_a_long_unquoted_cell_is_named_without_a_missing_quote(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("a;b\n1;2\n" + '"q\nq";' + "x" * 1_000_001 + "\n")
    with pytest.raises(files.FileProblem) as caught:
        list(files.records(path, ";"))
    problem = caught.value
    assert (problem.row_number, problem.line, problem.column) == (2, 3, "b")
    assert problem.message == (
        "the cell of column 'b' that begins on line 4 is longer than 1,000,000 characters"
    )

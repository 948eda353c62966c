"""Uploaded files on disk: streamed in with their SHA-256, read back row by row.

Nothing here holds a whole file in memory. Files live in the configured upload folder
(config.py; default: `revledger-uploads/` next to a SQLite database file, else under the
system temporary directory) until their upload is finished; every process serving one
database must see the same directory for a restarted process to resume another's upload.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from revledger.config import Settings
from revledger.kit.sql import sqlite_file
from revledger.uploads.rules import BAD_CSV, BAD_ENCODING

csv.field_size_limit(1_000_000)
ENCODING = "utf-8-sig"  # UTF-8, with or without a byte-order mark


def upload_dir(settings: Settings) -> Path:
    """The configured folder, else beside a SQLite database file, else the temp folder."""
    database_file = sqlite_file(settings.database_url)
    if settings.upload_dir is not None:
        path = settings.upload_dir
    elif database_file is not None:
        path = database_file.resolve().parent / "revledger-uploads"
    else:
        path = Path(tempfile.gettempdir()) / "revledger-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


class Sink:
    """A file being received: chunks in, SHA-256 and size kept as they pass."""

    def __init__(self, directory: Path) -> None:
        fd, name = tempfile.mkstemp(prefix="incoming-", suffix=".csv", dir=directory)
        self.path = Path(name)
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        if chunk:
            self._hash.update(chunk)
            self._file.write(chunk)
            self.size += len(chunk)

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


def copy_into(sink: Sink, source: IO[bytes], chunk_size: int = 1 << 20) -> None:
    while True:
        chunk = source.read(chunk_size)
        if not chunk:
            return
        sink.write(chunk)


def remove(path: str | None) -> None:
    if path:
        Path(path).unlink(missing_ok=True)


@dataclass
class FileProblem(Exception):
    """The file cannot be read on from here (bad UTF-8, broken CSV)."""

    row_number: int
    line: int
    code: str
    message: str
    column: str | None = None


def _open(path: str | Path, errors: str = "strict") -> IO[str]:
    return open(path, encoding=ENCODING, newline="", errors=errors)


def _blank(cells: list[str]) -> bool:
    """A row without any value (`,,,` as spreadsheets export trailing rows) is skipped."""
    return not any(c.strip() for c in cells)


LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""Where a file opened with newline="" is split into lines (and csv.reader counts them)."""


class _Lines:
    """A file's lines, then one blank line past its end, noting when that one is read.

    csv.reader takes a quoted cell still open at the end of the file for a cell closed
    there, silently: the rest of the file becomes its text. With a blank line after the
    file, a complete last record is followed by a blank record of its own, and only a
    quoted cell still open takes that line in. So a record read once `past_end` is set
    is either that blank record (the file ended cleanly) or ends inside a quoted cell
    that is never closed. `itertools.chain` adds no Python call per line."""

    def __init__(self, f: IO[str]) -> None:
        self.past_end = False
        self.lines = itertools.chain(f, self._end())

    def _end(self) -> Iterator[str]:
        self.past_end = True
        yield "\n"


def _column(header: list[str] | None, index: int) -> str | None:
    return header[index] if header is not None and 0 <= index < len(header) else None


def _named(column: str | None) -> str:
    return f" of column '{column}'" if column else ""


def _never_closed(
    first_line: int, cells: list[str], header: list[str] | None
) -> tuple[str, str | None]:
    """(message, column) for a record that ends inside its last cell, a quoted one: it
    began on the record's first line plus the line breaks in the (closed, quoted) cells
    before it, the only place a record holds line breaks."""
    line = first_line + sum(len(LINE_BREAK.findall(c)) for c in cells[:-1])
    column = _column(header, len(cells) - 1)
    return (
        f"the quoted cell{_named(column)} that begins on line {line} is never closed: "
        "the file ends inside it",
        column,
    )


def _long_cell(path: str | Path, delimiter: str, first_line: int) -> tuple[int, int, bool] | None:
    """The cell longer than csv's field size limit in the record that begins on
    `first_line`: (line where it begins, its index, whether quoted); None if no cell of
    that record is. Only read after csv.reader failed there, to name the line: the
    record is parsed again as csv.reader parses it (non-strict, `"` doubled inside
    quotes), up to the limit at most."""
    limit = csv.field_size_limit()
    start, unquoted, quoted, quote_in_quoted = range(4)
    state, index, length, began = start, 0, 0, first_line
    with _open(path, errors="replace") as f:
        for line, text in enumerate(itertools.islice(f, first_line - 1, None), first_line):
            for c in text:
                if state == start:
                    began, length = line, 0
                    if c == '"':
                        state = quoted
                        continue
                    if c == delimiter:
                        index += 1
                        continue
                    if c in "\r\n":
                        return None
                    state = unquoted
                elif state == unquoted:
                    if c == delimiter:
                        state, index = start, index + 1
                        continue
                    if c in "\r\n":
                        return None
                elif state == quoted:
                    if c == '"':
                        state = quote_in_quoted
                        continue
                elif c == delimiter:  # quote_in_quoted: the cell was closed
                    state, index = start, index + 1
                    continue
                elif c in "\r\n":
                    return None
                else:  # `""` is one quote; other text after a closing quote is kept
                    state = quoted if c == '"' else unquoted
                length += 1
                if length > limit:
                    return began, index, state == quoted
            if state != quoted:  # the end of a line ends the record outside quotes
                return None
    return None


def _not_csv(
    path: str | Path,
    delimiter: str,
    first_line: int,
    header: list[str] | None,
    exc: csv.Error,
) -> tuple[str, str | None]:
    """(message, column) for csv.Error in the record that begins on `first_line`."""
    long = _long_cell(path, delimiter, first_line)
    if long is None:
        return f"not valid CSV here: {exc}", None
    line, index, quoted = long
    column = _column(header, index)
    what = "quoted cell" if quoted else "cell"
    return (
        f"the {what}{_named(column)} that begins on line {line} is longer than "
        f"{csv.field_size_limit():,} characters"
        + (": is its closing quote missing?" if quoted else ""),
        column,
    )


def read_header(path: str | Path, delimiter: str) -> list[str] | None:
    """The first non-blank record, or None for an empty file; FileProblem if unreadable."""
    last_line = 0
    try:
        # Undecodable bytes further on are pre-stage's business (the whole upload fails
        # with the row where they are), not a refusal of the file.
        with _open(path, errors="replace") as f:
            lines = _Lines(f)
            reader = csv.reader(lines.lines, delimiter=delimiter)
            for cells in reader:
                first_line, last_line = last_line + 1, reader.line_num
                if lines.past_end and cells:
                    message = _never_closed(first_line, cells, None)[0]
                    raise FileProblem(
                        0, first_line, BAD_CSV, f"the header is not valid CSV: {message}"
                    )
                if not _blank(cells):
                    return [c.strip() for c in cells]
    except UnicodeDecodeError:
        raise FileProblem(0, 1, BAD_ENCODING, "the file is not UTF-8 text") from None
    except csv.Error as exc:
        message = _not_csv(path, delimiter, last_line + 1, None, exc)[0]
        raise FileProblem(0, 1, BAD_CSV, f"the header is not valid CSV: {message}") from None
    return None


def records(
    path: str | Path, delimiter: str, skip: int = 0
) -> Iterator[tuple[int, int, list[str]]]:
    """(row number, first line, cells) of every data row after the header, from row
    `skip + 1`. Blank lines are skipped and not numbered. Raises FileProblem, also
    for a file that ends inside a quoted cell (once its other rows are read)."""
    number = 0
    f = _open(path)
    try:
        lines = _Lines(f)
        reader = csv.reader(lines.lines, delimiter=delimiter)
        header: list[str] | None = None
        last_line = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise FileProblem(
                    number + 1, last_line + 1, BAD_ENCODING, "the file is not UTF-8 text here"
                ) from None
            except csv.Error as exc:
                message, column = _not_csv(path, delimiter, last_line + 1, header, exc)
                raise FileProblem(number + 1, last_line + 1, BAD_CSV, message, column) from None
            first_line = last_line + 1
            last_line = reader.line_num
            if lines.past_end:
                if not cells:
                    return  # the blank line past the end: the file ended cleanly
                message, column = _never_closed(first_line, cells, header)
                raise FileProblem(number + 1, first_line, BAD_CSV, message, column)
            if _blank(cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            number += 1
            if number <= skip:
                continue
            yield number, first_line, cells
    finally:
        f.close()


def count_rows(path: str | Path, delimiter: str) -> int | None:
    """Data rows of the file (the same numbering as `records`), None if unreadable."""
    try:
        n = -1
        with _open(path, errors="replace") as f:
            lines = _Lines(f)
            for cells in csv.reader(lines.lines, delimiter=delimiter):
                if lines.past_end:
                    return None if cells else max(n, 0)
                if not _blank(cells):
                    n += 1
        return max(n, 0)
    except (UnicodeDecodeError, csv.Error):
        return None

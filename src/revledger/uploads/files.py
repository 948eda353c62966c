"""Uploaded files on disk: streamed in with their SHA-256, read back row by row.

Nothing here holds a whole file in memory. Files live in the configured upload folder
(config.py; default: `revledger-uploads/` next to a SQLite database file, else under the
system temporary directory) until their upload is finished; every process serving one
database must see the same directory for a restarted process to resume another's upload.
"""

from __future__ import annotations

import csv
import hashlib
import os
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


def _open(path: str | Path, errors: str = "strict") -> IO[str]:
    return open(path, encoding=ENCODING, newline="", errors=errors)


def _blank(cells: list[str]) -> bool:
    """A row without any value (`,,,` as spreadsheets export trailing rows) is skipped."""
    return not any(c.strip() for c in cells)


def read_header(path: str | Path, delimiter: str) -> list[str] | None:
    """The first non-blank record, or None for an empty file; FileProblem if unreadable."""
    try:
        # Undecodable bytes further on are pre-stage's business (the whole upload fails
        # with the row where they are), not a refusal of the file.
        with _open(path, errors="replace") as f:
            for cells in csv.reader(f, delimiter=delimiter):
                if not _blank(cells):
                    return [c.strip() for c in cells]
    except UnicodeDecodeError:
        raise FileProblem(0, 1, BAD_ENCODING, "the file is not UTF-8 text") from None
    except csv.Error as exc:
        raise FileProblem(0, 1, BAD_CSV, f"the header is not valid CSV: {exc}") from None
    return None


def records(
    path: str | Path, delimiter: str, skip: int = 0
) -> Iterator[tuple[int, int, list[str]]]:
    """(row number, first line, cells) of every data row after the header, from row
    `skip + 1`. Blank lines are skipped and not numbered. Raises FileProblem."""
    number = 0
    f = _open(path)
    try:
        reader = csv.reader(f, delimiter=delimiter)
        header_seen = False
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
                raise FileProblem(
                    number + 1, last_line + 1, BAD_CSV, f"not valid CSV here: {exc}"
                ) from None
            first_line = last_line + 1
            last_line = reader.line_num
            if _blank(cells):
                continue
            if not header_seen:
                header_seen = True
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
            for cells in csv.reader(f, delimiter=delimiter):
                if not _blank(cells):
                    n += 1
        return max(n, 0)
    except (UnicodeDecodeError, csv.Error):
        return None

"""psycopg's cursor, with a result's column descriptions built only when someone reads them.

SQLAlchemy asks every statement's cursor for its `description`, and psycopg answers with a
new Column object per result column, each looking up its type. For a statement SQLAlchemy
has run before it needs none of them: it keeps the columns it read the first time and only
checks that the statement returned rows. A submission's locked read has 25 columns: in one
process those unread objects were an eighth of the instructions an edit's statements cost
(1.94 against 1.69 million with this cursor, callgrind over 300 edits).

Connections made by `db.session.make_engine` use this cursor (psycopg's `cursor_factory`).
Anything that does read the description gets exactly psycopg's columns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import psycopg
from psycopg import Column
from psycopg.pq import ExecStatus
from psycopg.pq.abc import PGresult

# What psycopg's own `description` treats as a result with rows, even one of no columns.
_ROWS = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


class LazyDescription(Sequence[Column]):
    """The description of one result: its length at once, its columns when first read."""

    __slots__ = ("_cursor", "_result", "_count", "_columns")

    def __init__(self, cursor: psycopg.Cursor[Any], result: PGresult):
        self._cursor = cursor
        self._result = result
        self._count = int(result.nfields)
        self._columns: list[Column] | None = None

    def _read(self) -> list[Column]:
        if self._columns is None:
            # psycopg builds a Column from the cursor's current result: it must still be this one.
            if self._cursor.pgresult is not self._result:
                raise RuntimeError("a cursor's description was read after the cursor moved on to another result")
            self._columns = [Column(self._cursor, i) for i in range(self._count)]
        return self._columns

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Column: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Column]: ...

    def __getitem__(self, index: int | slice) -> Column | Sequence[Column]:
        return self._read()[index]

    def __iter__(self) -> Iterator[Column]:
        return iter(self._read())

    def __repr__(self) -> str:
        return repr(self._read())


class Cursor(psycopg.Cursor[Any]):
    @property
    def description(self) -> LazyDescription | None:  # type: ignore[override]
        result = self.pgresult
        if result and (result.nfields or result.status in _ROWS):
            return LazyDescription(self, result)
        return None

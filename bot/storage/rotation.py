"""Key rotation: re-encrypt every encrypted value under the first key, in batches, resumably.

Every column whose type is `Encrypted` or `EncryptedJSON` is found from the models, so a new
personal column is rotated without this file changing. A value already under the first key is
skipped, so an interrupted rotation simply runs again from the start and does the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Table, Text, func, select, type_coerce, update

from bot.storage.crypto import Keyring
from bot.storage.models import Base, Encrypted, EncryptedJSON

BATCH = 500


@dataclass(frozen=True, slots=True)
class EncryptedColumn:
    """One encrypted column of one table, with the table's (single) primary key."""

    table: Table
    column: Column[object]
    key: Column[object]

    @property
    def name(self) -> str:
        """`table.column`, for progress lines."""
        return f"{self.table.name}.{self.column.name}"


def encrypted_columns() -> tuple[EncryptedColumn, ...]:
    """Every encrypted column the models declare."""
    found = []
    for table in Base.metadata.sorted_tables:
        [key] = table.primary_key.columns
        for column in table.columns:
            if isinstance(column.type, Encrypted | EncryptedJSON):
                found.append(EncryptedColumn(table, column, key))
    return tuple(found)


def count_values(engine: Engine) -> int:
    """How many stored values rotation looks at (for a progress bar)."""
    with engine.connect() as connection:
        return sum(
            int(
                connection.scalar(
                    select(func.count()).select_from(c.table).where(c.column.is_not(None))
                )
                or 0
            )
            for c in encrypted_columns()
        )


def rotate(
    engine: Engine, keyring: Keyring, progress: Callable[[int], None] = lambda _n: None
) -> int:
    """Re-encrypt every value not yet under the first key; returns how many were changed.

    Each batch commits on its own: stopping half-way loses nothing, and the next run skips
    what is done. `progress(n)` is told after each batch how many values it looked at.
    """
    changed = 0
    for target in encrypted_columns():
        for batch in _batches(engine, target):
            updates = [
                (key, keyring.rotate(token))
                for key, token in batch
                if token is not None and not keyring.is_current(token)
            ]
            if updates:
                with engine.begin() as connection:
                    for key, token in updates:
                        # Written as raw text: it is already a token, not a value to encrypt.
                        connection.execute(
                            update(target.table)
                            .where(target.key == key)
                            .values({target.column: type_coerce(token, Text)})
                        )
                changed += len(updates)
            progress(len(batch))
    return changed


def _batches(engine: Engine, target: EncryptedColumn) -> Iterator[list[tuple[object, str | None]]]:
    """The column's raw tokens, `BATCH` rows at a time, in primary key order."""
    last: object = None
    while True:
        query = (
            select(target.key, type_coerce(target.column, Text))
            .where(target.column.is_not(None))
            .order_by(target.key)
            .limit(BATCH)
        )
        if last is not None:
            query = query.where(target.key > last)
        with engine.connect() as connection:
            rows: list[tuple[object, str | None]] = [
                (row[0], row[1]) for row in connection.execute(query)
            ]
        if not rows:
            return
        yield rows
        last = rows[-1][0]

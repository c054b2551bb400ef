"""Known seasonal workers at home between stays, kept compactly.

Everyone who has set off once may set off again in a later season, with what
they carry from one stay to the next: their traits, where they last worked, an
entry ban, an amnesty card, offences on record, their fear of the police (the
``KEPT`` fields of each book of ``sim/people``). Everything else a stay needs is
set afresh on entry. So a person back home gives up their slot in the books'
arrays, whose other fields would sit unused for seasons, and their memory waits
here in columns of 65 bytes a person instead of 147; the slot goes
to the next person who comes. Memory and the day's work then follow the people
present, not everyone who ever came. ``HomeRegister`` is the only writer of its
columns; ``Population`` stores people in it and brings them back.
"""

from __future__ import annotations

import numpy as np

from migsim.people.book import PersonBook


class HomeRegister:
    """Rows of people at home, one column per kept field of each book. Rows are
    kept dense (0..n-1): a person brought back leaves a hole that the last rows
    fill, in a fixed order, so every run with the same seed is the same."""

    def __init__(self, books: list[PersonBook]):
        self.n = 0
        self._books = list(books)  # fixed from here: a book joining later would have no columns
        self.columns: dict[tuple[int, str], np.ndarray] = {}
        self._grow(0)

    def _grow(self, capacity: int) -> None:
        for b, book in enumerate(self._books):
            for name in book.KEPT:
                dtype, fill = book.FIELDS[name]
                old = self.columns.get((b, name))
                new = np.full(capacity, fill, dtype=dtype)
                if old is not None:
                    new[: self.n] = old[: self.n]
                self.columns[(b, name)] = new

    def column(self, book: PersonBook, name: str) -> np.ndarray:
        """The rows in use of one kept field (read only)."""
        return self.columns[(self._books.index(book), name)][: self.n]

    def bytes_per_person(self) -> int:
        return sum(column.itemsize for column in self.columns.values())

    def nbytes(self) -> int:
        return sum(column.nbytes for column in self.columns.values())

    # ---- verbs ---------------------------------------------------------------------

    def store(self, kept: list[dict[str, np.ndarray]]) -> np.ndarray:
        """New rows for people going home, from what each book kept of them
        (``PersonBook.kept``, in the order of the books); returns the rows."""
        if len(kept) != len(self._books) or any(set(k) != set(b.KEPT) for k, b in zip(kept, self._books, strict=True)):
            raise ValueError("store: expected what every book keeps, in the order of the books")
        count = len(next(iter(kept[0].values())))
        rows = np.arange(self.n, self.n + count)
        capacity = len(next(iter(self.columns.values())))
        if self.n + count > capacity:
            self._grow(max(self.n + count, capacity + capacity // 4, 1024))  # by a quarter: little left unused
        for b, book_kept in enumerate(kept):
            for name, values in book_kept.items():
                self.columns[(b, name)][rows] = values
        self.n += count
        return rows

    def take(self, rows: np.ndarray) -> tuple[list[dict[str, np.ndarray]], np.ndarray, np.ndarray]:
        """What these rows kept, per book (for ``PersonBook.restore``), and the
        rows dropped. Returns (kept, moved, holes): the last rows that moved to
        fill the holes, and where they are now."""
        kept = [{name: self.columns[(b, name)][rows] for name in book.KEPT} for b, book in enumerate(self._books)]
        moved, holes = self._drop(rows)
        return kept, moved, holes

    def reset(self, book: PersonBook, name: str) -> None:
        """One kept field back to a new person's value in every row."""
        self.columns[(self._books.index(book), name)][:] = book.FIELDS[name][1]

    def learn_of_aid(self, rows: np.ndarray, book: PersonBook) -> None:
        """A campaign reaches people at home too."""
        self.columns[(self._books.index(book), "knows_aid")][rows] = True

    def _drop(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Remove rows (distinct); the last rows that remain move into the holes, in order."""
        keep_n = self.n - len(rows)
        holes = np.sort(rows[rows < keep_n])
        tail_gone = np.zeros(self.n - keep_n, dtype=bool)
        tail_gone[rows[rows >= keep_n] - keep_n] = True
        movers = np.arange(keep_n, self.n)[~tail_gone]  # rows beyond the new end that stay
        for column in self.columns.values():
            column[holes] = column[movers]
        self.n = keep_n
        return movers, holes

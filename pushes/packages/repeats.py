"""Telling, in a second pass over a file, which rows repeat an earlier row.

The first pass finds the hashes that occur more than once (sorted, each once). The second pass
hashes the same rows with the same key and asks :class:`Repeats` about each block: a row whose
hash is not among them is the only one of its kind; one whose hash is among them is a duplicate
unless it is the first row seen with that hash. Memory is one slot per *repeated* account, not
per row: a file of 5 million different accounts costs nothing here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray


class Repeats:
    """The hashes seen more than once, and the line each was first seen on in this pass."""

    def __init__(self, repeated: NDArray[np.int64]) -> None:
        self.values = repeated  # sorted, distinct
        self.first = np.zeros(repeated.size, dtype=np.int64)  # 0: not seen yet (lines start at 1)

    def mark(
        self, hashes: NDArray[np.int64], lines: NDArray[np.int64]
    ) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
        """For one block's valid rows in file order: which are duplicates, and for each row the
        line its account first appears on (0 for a row whose account appears once)."""
        duplicate = np.zeros(hashes.size, dtype=bool)
        first_lines = np.zeros(hashes.size, dtype=np.int64)
        if not self.values.size or not hashes.size:
            return duplicate, first_lines
        slot = np.searchsorted(self.values, hashes)
        np.minimum(slot, self.values.size - 1, out=slot)
        hit = np.flatnonzero(self.values[slot] == hashes)
        if not hit.size:
            return duplicate, first_lines
        slots = slot[hit]
        # Within the block, the first row of each repeated hash (np.unique keeps the first index).
        seen_slots, first_at = np.unique(slots, return_index=True)
        new = self.first[seen_slots] == 0
        self.first[seen_slots[new]] = lines[hit[first_at[new]]]
        duplicate[hit] = True
        duplicate[hit[first_at[new]]] = False
        first_lines[hit] = self.first[slots]
        return duplicate, first_lines

"""SipHash-1-3 of many byte strings at once, vectorised with numpy.

This is the function behind Python's ``hash()`` of bytes (``sys.hash_info.algorithm`` is
``siphash13``), computed for a whole block of lines in a few dozen array operations instead of a
``bytes`` object and a ``hash()`` call per line. numpy runs each operation without holding the
GIL, so another thread can work meanwhile. With the same key it gives the same 64 bits as
CPython: under ``PYTHONHASHSEED=0`` (an all-zero key), ``hash(b"ab")`` equals
``SipHash13(bytes(16)).hash_values([b"ab"])[0]`` (except that ``hash()`` turns -1 into -2 and
gives 0 for ``b""``).

The algorithm (Aumasson and Bernstein, 2012), per string of ``n`` bytes:

- the state ``v0..v3`` starts as the 128-bit key XOR four constants;
- every 8-byte little-endian word ``m`` is absorbed: ``v3 ^= m``, one SipRound, ``v0 ^= m``;
- the last word holds the remaining 0–7 bytes and ``n mod 256`` in its top byte (so a string
  always has ``n // 8 + 1`` words);
- then ``v2 ^= 0xff``, three SipRounds, and the hash is ``v0 ^ v1 ^ v2 ^ v3``.

All strings of a block advance in step: at step ``k`` every string with a ``k``-th word absorbs
it. Ordered longest first, those strings are a prefix of the block, so each step works on plain
slices of the state arrays.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

_INIT = np.array(
    [0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573],
    dtype=np.uint64,
)
# The bytes of a last word that belong to the string: the low ``size % 8`` bytes.
_TAIL_MASKS = np.array([(1 << (8 * i)) - 1 for i in range(8)], dtype=np.uint64)
_SHIFTS = {r: (np.uint64(r), np.uint64(64 - r)) for r in (13, 16, 17, 21, 32)}
_TOP_BYTE = np.uint64(56)
_FINAL = np.uint64(0xFF)
# Strings hashed together: small enough for the state arrays (4 x 128 KiB) to stay in the CPU
# cache from one operation to the next, large enough to keep numpy's per-call cost small.
_BATCH = 16384


class SipHash13:
    """SipHash-1-3 with a 128-bit key, random unless given."""

    def __init__(self, key: bytes | None = None) -> None:
        key = os.urandom(16) if key is None else key
        k0, k1 = np.frombuffer(key, dtype="<u8", count=2)
        self._start = _INIT ^ np.array([k0, k1, k0, k1], dtype=np.uint64)

    def hash_values(self, values: list[bytes]) -> NDArray[np.int64]:
        """The hash of every byte string of ``values``."""
        sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        starts = np.cumsum(sizes) - sizes
        return self.hash_slices(b"".join(values), starts, sizes)

    def hash_slices(
        self, data: bytes, starts: NDArray[np.intp], sizes: NDArray[np.intp]
    ) -> NDArray[np.int64]:
        """The hash of every ``data[start : start + size]``, as signed 64-bit integers.

        Each step costs about thirty array operations whatever the strings' count, so this is
        meant for many short strings (accounts are at most 400 bytes), not a few long ones.
        """
        count = starts.size
        hashes = np.empty(count, dtype=np.int64)
        # Every 8-byte word starting at any byte, as one unaligned view; the zero padding lets the
        # last word of a string near the end read past it (the mask clears those bytes).
        padded = data + bytes(8)
        words = np.ndarray((len(data) + 1,), dtype="<u8", buffer=padded, strides=(1,))
        for first in range(0, count, _BATCH):
            batch = slice(first, first + _BATCH)
            hashes[batch] = self._hash_batch(words, starts[batch], sizes[batch])
        return hashes

    def _hash_batch(
        self, words: NDArray[np.uint64], starts: NDArray[np.intp], sizes: NDArray[np.intp]
    ) -> NDArray[np.int64]:
        count = starts.size
        nwords = sizes // 8 + 1
        steps = int(nwords.max())
        order = None
        if int(nwords.min()) != steps:
            order = np.argsort(-nwords, kind="stable")
            starts, sizes, nwords = starts[order], sizes[order], nwords[order]
        # active[k]: how many strings (a prefix, longest first) have a word number k.
        active = count - np.searchsorted(nwords[::-1], np.arange(1, steps + 1))
        tail_masks = _TAIL_MASKS[sizes & 7]
        lengths = sizes.astype(np.uint64) << _TOP_BYTE
        position = starts.copy()

        state = np.empty((4, count), dtype=np.uint64)
        state[:] = self._start[:, None]
        scratch = np.empty(count, dtype=np.uint64)
        for step in range(steps):
            live = int(active[step])
            ending = int(active[step + 1]) if step + 1 < steps else 0  # [ending, live) end now
            v0, v1, v2, v3 = state[:, :live]
            word = words[position[:live]]
            word[ending:] &= tail_masks[ending:live]
            word[ending:] |= lengths[ending:live]
            v3 ^= word
            _sipround(v0, v1, v2, v3, scratch[:live])
            v0 ^= word
            position[:live] += 8
        v0, v1, v2, v3 = state
        v2 ^= _FINAL
        for _ in range(3):
            _sipround(v0, v1, v2, v3, scratch)
        hashes = np.bitwise_xor(v0, v1)
        hashes ^= v2
        hashes ^= v3
        if order is not None:
            hashes[order] = hashes.copy()  # back to the order the strings were given in
        return hashes.view(np.int64)


def _sipround(
    v0: NDArray[np.uint64],
    v1: NDArray[np.uint64],
    v2: NDArray[np.uint64],
    v3: NDArray[np.uint64],
    scratch: NDArray[np.uint64],
) -> None:
    """One SipRound on every lane, in place (uint64 arithmetic wraps, as SipHash wants)."""
    v0 += v1
    _rotate(v1, 13, scratch)
    v1 ^= v0
    _rotate(v0, 32, scratch)
    v2 += v3
    _rotate(v3, 16, scratch)
    v3 ^= v2
    v0 += v3
    _rotate(v3, 21, scratch)
    v3 ^= v0
    v2 += v1
    _rotate(v1, 17, scratch)
    v1 ^= v2
    _rotate(v2, 32, scratch)


def _rotate(lanes: NDArray[np.uint64], bits: int, scratch: NDArray[np.uint64]) -> None:
    """Rotate every lane left by ``bits``, in place."""
    left, right = _SHIFTS[bits]
    np.left_shift(lanes, left, out=scratch)
    lanes >>= right
    lanes |= scratch

"""Row sets as packed bits: one ``uint64`` word per 64 training rows.

Coverage of thousands of candidate rules is combined and counted as packed
bit-sets: a conjunction is a bitwise AND of its conditions' rows, a count is a
population count. Bit ``i`` of a set (little-endian, word ``i // 64``) is row
``i``; the bits past the last row are always 0.
"""

from __future__ import annotations

import numpy as np

_BYTE_COUNTS = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)


def pack_rows(mask: np.ndarray) -> np.ndarray:
    """Pack a boolean matrix (sets x rows) into ``uint64`` words (sets x ceil(rows / 64)).

    Examples
    --------
    >>> pack_rows(np.array([[True, False, True]])).tolist()
    [[5]]
    """
    mask = np.atleast_2d(np.asarray(mask, dtype=bool))
    k, n = mask.shape
    n_words = max(1, -(-n // 64))
    packed = np.zeros((k, n_words * 8), dtype=np.uint8)
    packed[:, : -(-n // 8)] = np.packbits(mask, axis=1, bitorder="little")
    return packed.view("<u8").astype(np.uint64, copy=False)


def unpack_rows(words: np.ndarray, n_rows: int) -> np.ndarray:
    """The boolean matrix (sets x ``n_rows``) of packed sets (inverse of :func:`pack_rows`)."""
    words = np.ascontiguousarray(np.atleast_2d(words), dtype="<u8")
    as_bytes = words.view(np.uint8).reshape(words.shape[0], -1)
    return np.unpackbits(as_bytes, axis=1, count=n_rows, bitorder="little").view(bool)


def popcount(words: np.ndarray) -> np.ndarray:
    """Number of rows in each packed set (summed over the last axis).

    Examples
    --------
    >>> popcount(pack_rows(np.array([[True, True, False], [False, False, True]]))).tolist()
    [2, 1]
    """
    words = np.asarray(words, dtype=np.uint64)
    if hasattr(np, "bitwise_count"):  # NumPy >= 2.0
        return np.bitwise_count(words).sum(axis=-1, dtype=np.int64)
    as_bytes = np.ascontiguousarray(words).view(np.uint8)
    return _BYTE_COUNTS[as_bytes].sum(axis=-1, dtype=np.int64)

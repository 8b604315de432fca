"""Fits computed once and reused where their inputs are identical (across runs of one study).

The runs of the performative study that share a context (dataset, expert
behaviour, α, u_0, repetition) start from the same seed, so they draw the same
random numbers and fit the same models until what they observed differs: the
firm's first advisor is the same for every audit share ρ and retraining
strategy, TR+expertise *is* TR until an expertise model is fitted, and at
ρ = 0.02 the whole run of TR matches ρ = 0 until 30 audited cases have
arrived. :class:`FitMemo` remembers each fit under a digest of everything it
reads — its arrays by value, fitted models by the bytes of their pickle, its
options by ``repr`` and the random generator's state — and, on a hit, returns
the same object and moves the generator to the state the fit left it in. A
fit is a pure function of those inputs, so a run with the memo is identical,
value for value, to the run without it (``tests/test_model_memo.py``).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np
import pandas as pd


def _feed(digest: Any, value: Any) -> None:
    """Add ``value`` to ``digest`` by content (its type is part of what is hashed)."""
    if isinstance(value, np.ndarray):
        digest.update(f"array {value.dtype.str} {value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, pd.DataFrame):
        digest.update(f"frame {list(value.columns)!r}".encode())
        _feed(digest, value.to_numpy())
    elif isinstance(value, np.random.Generator):
        digest.update(repr(value.bit_generator.state).encode())
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__} {len(value)}".encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        digest.update(f"dict {len(value)}".encode())
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
    elif value is None or isinstance(value, (str, int, float, bool, np.generic)):
        digest.update(repr(value).encode())
    elif is_dataclass(value) and not isinstance(value, type):
        digest.update(type(value).__qualname__.encode())
        for item in fields(value):
            _feed(digest, getattr(value, item.name))
    else:  # a fitted model: by content, so equal models fitted apart still match
        digest.update(pickle.dumps(value, protocol=5))
    digest.update(b"|")


def fingerprint(*values: Any) -> str:
    """The digest of ``values`` by content (arrays by value, models by their pickle)."""
    digest = hashlib.blake2b(digest_size=20)
    for value in values:
        _feed(digest, value)
    return digest.hexdigest()


class FitMemo:
    """Remembers fits by a digest of their inputs and of the random generator's state.

    Examples
    --------
    >>> memo, calls = FitMemo(), []
    >>> def fit(rng):
    ...     calls.append(1)
    ...     return rng.random()
    >>> a, b = np.random.default_rng(0), np.random.default_rng(0)
    >>> memo.call("fit", fit, a, inputs=()) == memo.call("fit", fit, b, inputs=())
    True
    >>> len(calls), a.random() == b.random()  # fitted once; b moved on as a did
    (1, True)
    """

    def __init__(self) -> None:
        self._store: dict[str, tuple[Any, dict]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._store)

    def call(
        self,
        name: str,
        fit: Callable[[np.random.Generator], Any],
        rng: np.random.Generator,
        *,
        inputs: tuple,
    ) -> Any:
        """``fit(rng)``, or the object an identical earlier call returned.

        Parameters
        ----------
        name : str
            What is fitted (part of the key).
        fit : callable
            Computes the result from ``rng`` and ``inputs`` (closed over).
        rng : numpy Generator
            The only source of randomness of ``fit``; on a hit it is set to the
            state an identical call left it in.
        inputs : tuple
            Everything else ``fit`` reads.
        """
        key = fingerprint(name, rng, *inputs)
        hit = self._store.get(key)
        if hit is not None:
            self.hits += 1
            rng.bit_generator.state = hit[1]
            return hit[0]
        self.misses += 1
        result = fit(rng)
        self._store[key] = (result, rng.bit_generator.state)
        return result

"""One master seed for every random draw.

All randomness in hmlsim flows from a single integer seed through
:class:`numpy.random.SeedSequence`. Child seeds are derived from the master
seed and a *key* (names or integers) rather than from the order in which runs
happen, so a run gets the same stream whatever the number of worker processes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

SeedLike = int | np.random.Generator | None


def _key_to_int(part: Hashable) -> int:
    if isinstance(part, (int, np.integer)) and part >= 0:
        return int(part)
    digest = hashlib.sha256(repr(part).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def derive_seed(master_seed: int, *key: Hashable) -> int:
    """Derive a reproducible 63-bit seed from a master seed and a key.

    Parameters
    ----------
    master_seed : int
        The experiment's master seed.
    *key : hashable
        Names or integers identifying the run (``"heart"``, ``"TR"``, ``0.1``, ``3``).

    Returns
    -------
    int
        A seed in ``[0, 2**63)``, the same for the same master seed and key.

    Examples
    --------
    >>> derive_seed(7, "heart", 3) == derive_seed(7, "heart", 3)
    True
    >>> derive_seed(7, "heart", 3) == derive_seed(7, "heart", 4)
    False
    """
    sequence = np.random.SeedSequence([int(master_seed), *(_key_to_int(k) for k in key)])
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def check_seed(field: str, seed: object) -> None:
    """Raise :class:`~hmlsim.errors.ConfigError` unless ``seed`` can seed a Generator.

    Accepted: None, an integer >= 0 or a numpy Generator.
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        from hmlsim.errors import ConfigError

        raise ConfigError(
            field, f"expected a seed (an integer >= 0), a numpy Generator or None; got {seed!r}"
        )


def make_rng(seed: SeedLike = None, *key: Hashable) -> np.random.Generator:
    """Return a NumPy Generator for ``seed`` (and optionally a derived ``key``).

    A Generator passed in is returned unchanged when no key is given, so
    functions can accept either a seed or a generator (scikit-learn style).
    """
    if isinstance(seed, np.random.Generator):
        if not key:
            return seed
        seed = int(seed.integers(2**63))
    check_seed("rng", seed)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    return np.random.default_rng(derive_seed(int(seed), *key) if key else int(seed))


def torch_generator(rng_or_seed: SeedLike, device: str = "cpu") -> torch.Generator:
    """Return a ``torch.Generator`` seeded from a NumPy Generator or an integer seed."""
    import torch

    if isinstance(rng_or_seed, int):
        seed = rng_or_seed
    else:
        seed = int(make_rng(rng_or_seed).integers(2**63))
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    return generator

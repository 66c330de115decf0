"""Vectorised id builders: Salesforce 18-character ids, Stripe-style ids, random hex ids.

Ids are built as uint8 character matrices (one row per id) and turned into a polars
string Series in one copy, so that a million ids cost milliseconds. Uniqueness never
relies on luck where a counter is available: the counter is spread over base-62
digits by an invertible mixing step, so consecutive records get unrelated-looking
ids that still cannot collide.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

ALPHANUMERIC = np.frombuffer(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8
)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# Salesforce's checksum alphabet for the 3-character case suffix of an 18-character id.
_SF_SUFFIX = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", dtype=np.uint8)
# Stripe ids of one account share a fixed fragment after the time-like prefix.
_STRIPE_ACCOUNT_TAG = b"LkdIwHu7ix"

CharPart = bytes | np.ndarray


def mixed_digits(values: np.ndarray, width: int, salt: int) -> np.ndarray:
    """Return an (n, width) matrix of base-62 codes that is a bijection of values < 62**width.

    Each digit is offset by the previous mixed digit, so changing the lowest digit of a
    value changes every character while the mapping stays invertible (hence unique).
    """
    v = values.astype(np.uint64, copy=True)
    out = np.empty((len(v), width), dtype=np.uint8)
    prev = np.full(len(v), salt % 62, dtype=np.uint64)
    for j in range(width):
        digit = v % np.uint64(62)
        v //= np.uint64(62)
        mixed = (digit + prev * np.uint64(17) + np.uint64((j * 29 + salt) % 62)) % np.uint64(62)
        out[:, width - 1 - j] = mixed
        prev = mixed
    if np.any(v):
        raise ValueError(f"value does not fit in {width} base-62 digits")
    return ALPHANUMERIC[out]


def random_alphanumeric(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return ALPHANUMERIC[rng.integers(0, 62, size=(n, width))]


def random_hex(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return _HEX[rng.integers(0, 16, size=(n, width))]


def chars_to_series(n: int, *parts: CharPart, name: str = "") -> pl.Series:
    """Concatenate constant byte strings and (n, w) uint8 matrices into a string Series."""
    blocks = []
    for part in parts:
        if isinstance(part, bytes):
            blocks.append(np.broadcast_to(np.frombuffer(part, dtype=np.uint8), (n, len(part))))
        else:
            blocks.append(part)
    matrix = np.ascontiguousarray(np.hstack(blocks)) if blocks else np.empty((n, 0), np.uint8)
    width = matrix.shape[1]
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)[: n + 1]
    array = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(matrix.tobytes())]
    )
    return pl.Series(name, array, dtype=pl.String)


def salesforce_ids(key_prefix: bytes, values: np.ndarray, pod: bytes = b"5g") -> pl.Series:
    """18-character Salesforce ids: key prefix, pod, reserved 0, 9-character counter, and the
    3-character suffix that encodes the case of the first 15."""
    n = len(values)
    base = np.hstack(
        [
            np.broadcast_to(np.frombuffer(key_prefix + pod + b"0000", np.uint8), (n, 9)),
            mixed_digits(values, 6, salt=len(key_prefix) + key_prefix[-1]),
        ]
    )
    upper = (base >= ord("A")) & (base <= ord("Z"))
    weights = (1 << np.arange(5)).astype(np.uint8)
    suffix = np.stack(
        [_SF_SUFFIX[(upper[:, 5 * i : 5 * i + 5] * weights).sum(axis=1)] for i in range(3)],
        axis=1,
    )
    return chars_to_series(n, base, suffix)


def stripe_customer_ids(values: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """`cus_` + 14 characters (the older, shorter Stripe id shape customers still carry)."""
    n = len(values)
    return chars_to_series(n, b"cus_", random_alphanumeric(rng, n, 4), mixed_digits(values, 10, 7))


def stripe_ids(prefix: bytes, values: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """`<prefix>_1`, 7 mixed counter digits, the account tag, 6 random: `in_1MtHbELkdIwHu7ix…`."""
    n = len(values)
    return chars_to_series(
        n,
        prefix + b"_1",
        mixed_digits(values, 7, salt=sum(prefix)),
        _STRIPE_ACCOUNT_TAG,
        random_alphanumeric(rng, n, 6),
    )

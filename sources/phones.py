"""Phone normalisation exactly as docs/kpis.md section 1 says, with the `phonenumbers` library.

Trimmed; a leading `00` becomes `+`; parsed with default region US; kept as E.164 when
`is_possible_number` holds (deliberately not `is_valid_number`); anything else is no phone.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
import pyarrow as pa


@lru_cache(maxsize=1_000_000)
def to_e164(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_column(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Normalise a column, parsing each distinct value once (repeat callers, shared numbers)."""
    encoded = (
        values.dictionary_encode()
        if isinstance(values, pa.Array)
        else values.combine_chunks().dictionary_encode()
    )
    mapped = pa.array([to_e164(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return mapped.take(encoded.indices)

"""Near-duplicate detection for campaigns: MinHash over character shingles, LSH bands as DB keys.

Pure functions, no ORM. The LSH index is the `SimilarityBucket` table: each report stores one key per
band, and two reports that share any key are candidates, confirmed by the Jaccard estimate of their
stored signatures. A new report therefore costs one indexed lookup, never a rescan.
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np
from datasketch import MinHash

from untrusted.text import DIGITS_TO_ZERO, compile_pattern, fold_digits

NUM_PERM = 120
BANDS = 20
ROWS = NUM_PERM // BANDS  # 6 rows a band: pairs above Jaccard ~0.6 collide in some band almost surely
SHINGLE = 5
# Candidates share a band; only those whose estimated Jaccard reaches this join one campaign.
SIMILARITY_THRESHOLD = 0.5
_SEED = 20241

_URL = compile_pattern("similarity.url", r"https?://\S+|www\.\S+", ignore_case=True)
_SPACE = compile_pattern("similarity.spaces", r"\s+")


def text_normalise(text: str) -> str:
    """Scam waves vary the link, the amounts and the spacing; the wording stays."""
    lowered = _URL.sub(" <url> ", text.lower())
    lowered = fold_digits(lowered).translate(DIGITS_TO_ZERO)
    return _SPACE.sub(" ", lowered).strip()


def text_shingles(text: str) -> set[bytes]:
    normal = text_normalise(text)
    if len(normal) <= SHINGLE:
        return {normal.encode()} if normal else set()
    return {normal[i : i + SHINGLE].encode() for i in range(len(normal) - SHINGLE + 1)}


def signature_of(text: str) -> bytes:
    """The MinHash signature as bytes (NUM_PERM little-endian uint64); b"" for an empty text."""
    shingles = text_shingles(text)
    if not shingles:
        return b""
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED)
    minhash.update_batch(list(shingles))
    return np.asarray(minhash.hashvalues, dtype="<u8").tobytes()


def _values(signature: bytes) -> np.ndarray:
    return np.frombuffer(signature, dtype="<u8")


def band_keys(signature: bytes) -> list[int]:
    """One signed 64-bit key per band (fits a BigIntegerField)."""
    if not signature:
        return []
    values = _values(signature)
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(struct.unpack("<q", digest)[0])
    return keys


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    if not a or not b:
        return 0.0
    return float(np.mean(_values(a) == _values(b)))

"""Cross-source near-duplicates: syndicated and re-posted stories clustered under one story id.

Each text (headline and body, as the caller joins them) becomes a set of 4-word shingles over normalised
words; a MinHash signature estimates the Jaccard similarity of two such sets, and locality-sensitive
hashing (bands of the signature, :data:`BANDS` x :data:`BAND_ROWS`) finds the candidate pairs without
comparing every pair. A candidate pair is kept when its estimated Jaccard similarity is at least
:data:`THRESHOLD`; clusters are the connected components of the kept pairs, cut by time when the caller
gives each text a time and a window (:func:`cluster_signatures`).

Why 0.5: a re-post with an edited headline keeps ~95 % of its shingles, one with an added promo line
~90 %, one with its last of six paragraphs trimmed ~80 %, while two different stories on the same event
(same names, same places, different sentences) share well under 10 %. 0.5 sits between with room on
both sides for the estimate's error (about ±0.09 at 128 permutations).

The signature is computed with numpy over the whole batch: each distinct word is hashed once (BLAKE2b,
64 bits), a shingle's hash combines its four words' hashes, and each of the :data:`NUM_PERM` universal
hash functions ``a * h + b mod 2**32`` takes its minimum over the text's shingles. No value depends on
the process, so signatures computed in different runs, processes and worker counts are the same.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Signature = npt.NDArray[np.uint32]
    """A text's MinHash: :data:`NUM_PERM` unsigned 32-bit minima."""

THRESHOLD = 0.5
"""Minimum estimated Jaccard similarity of two texts' shingle sets for them to be the same story."""

SHINGLE_WORDS = 4
NUM_PERM = 128
"""MinHash permutations: the standard error of the Jaccard estimate is about 1/sqrt(NUM_PERM)."""

SEED = 1
"""Fixed so that signatures computed in different runs and processes are comparable."""

BANDS = 12
BAND_ROWS = 2
"""LSH bands: two texts are candidates when the minima of one of :data:`BANDS` bands of
:data:`BAND_ROWS` permutations all agree. The chance of that is ``1 - (1 - J**2)**12`` for Jaccard J:
97 % at 0.5, over 99.99 % at 0.8 (every documented kind of copy), 11 % at 0.1. Candidates are then
compared on all 128 permutations, so a false candidate costs a comparison, never a wrong cluster; few
bands keep the warehouse's band index (``story_bands``) small."""

_WORD = re.compile(r"\w+")
_MASK64 = (1 << 64) - 1
# A shingle's hash is a polynomial in its words' hashes with this odd multiplier, then mixed (below).
_POLY = 0x9E3779B97F4A7C15
# MurmurHash3's 64-bit finalizer: (shift, multiplier) pairs and the last shift.
_FMIX64 = (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33)

_CHUNK_SHINGLES = 4096
"""Shingles permuted at once: a (4096 x 128) uint32 block is 2 MB, so memory stays flat for any batch."""


@dataclass(frozen=True, slots=True)
class StoryCluster:
    """One story: its id and the URLs of every copy, sorted."""

    story_id: str
    urls: tuple[str, ...]


def normalized_words(text: str) -> list[str]:
    """Words compared for duplication: NFKC, case-folded, punctuation and spacing dropped.

    Typographic variants (curly vs straight quotes, dashes, no-break spaces) differ between outlets
    re-posting the same text, so only the words count.
    """
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The set of ``size``-word shingles of the text; a text shorter than ``size`` words is one shingle."""
    words = normalized_words(text)
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def signature(text: str) -> Signature | None:
    """The text's MinHash signature, or None for a text without words."""
    return signatures([text])[0]


def _fmix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    import numpy as np

    s1, m1, s2, m2, s3 = (np.uint64(c) for c in _FMIX64)
    x = x ^ (x >> s1)
    x = x * m1
    x = x ^ (x >> s2)
    x = x * m2
    return x ^ (x >> s3)


def _shingle_hashes(words: Sequence[str], word_hash: dict[str, int]) -> npt.NDArray[np.uint64]:
    """The 64-bit hashes of a text's shingles (repeats included: they do not change a minimum)."""
    import numpy as np

    for word in words:
        if word not in word_hash:
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            word_hash[word] = int.from_bytes(digest, "little")
    hashed = np.fromiter((word_hash[w] for w in words), dtype=np.uint64, count=len(words))
    poly = np.uint64(_POLY)
    if len(words) < SHINGLE_WORDS:
        # One shingle of all the words; the length is mixed in so "a b" and "a b <empty>" differ.
        single = np.asarray([len(words)], dtype=np.uint64)
        for h in hashed:
            single = single * poly + h
        return _fmix64(single)
    span = len(words) - SHINGLE_WORDS + 1
    values = np.full(span, SHINGLE_WORDS, dtype=np.uint64)
    for offset in range(SHINGLE_WORDS):
        values = values * poly + hashed[offset : offset + span]
    return _fmix64(values)


def signatures(texts: Sequence[str]) -> list[Signature | None]:
    """:func:`signature` of each text, computed together: the permutations are drawn once, every shingle
    of every text is hashed into one array, and one vectorised pass takes each text's minimum per
    permutation."""
    import numpy as np

    a, b = _permutations()
    word_hash: dict[str, int] = {}
    counts = []
    parts = []
    with np.errstate(over="ignore"):
        for text in texts:
            words = normalized_words(text)
            hashed = _shingle_hashes(words, word_hash) if words else np.empty(0, dtype=np.uint64)
            counts.append(len(hashed))
            parts.append(hashed)
        hashes = (np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)).astype(np.uint32)

        minima = np.empty((len(texts), NUM_PERM), dtype=np.uint32)
        bounds = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
        first = 0
        while first < len(texts):
            # Whole texts per chunk (a long text may make a chunk larger than _CHUNK_SHINGLES).
            last = int(np.searchsorted(bounds, bounds[first] + _CHUNK_SHINGLES, side="right")) - 1
            last = min(max(last, first + 1), len(texts))
            start, stop = int(bounds[first]), int(bounds[last])
            permuted = hashes[start:stop, None] * a + b  # uint32 wrap-around is the modulo 2^32
            offsets = bounds[first:last] - start
            nonempty = np.asarray(counts[first:last]) > 0
            if stop > start:
                # Texts without shingles are left out of the reduction (they get None below): the offsets
                # of the others are then strictly increasing, each segment ending where the next starts.
                minima[first:last][nonempty] = np.minimum.reduceat(permuted, offsets[nonempty], axis=0)
            first = last
    return [minima[i].copy() if count else None for i, count in enumerate(counts)]


@lru_cache(maxsize=1)
def _permutations() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    # Odd multipliers make each a * h + b a permutation of the 32-bit values; drawn once from SEED.
    import numpy as np

    rng = np.random.Generator(np.random.PCG64(SEED))
    a = rng.integers(0, 1 << 32, size=NUM_PERM, dtype=np.uint64).astype(np.uint32) | np.uint32(1)
    b = rng.integers(0, 1 << 32, size=NUM_PERM, dtype=np.uint64).astype(np.uint32)
    return a, b


def jaccard(a: Signature, b: Signature) -> float:
    """The Jaccard similarity two signatures estimate: the share of permutations whose minima agree."""
    return float((a == b).sum()) / NUM_PERM


def band_keys(signature: Signature) -> list[int]:
    """The signature's :data:`BANDS` LSH band keys, as signed 64-bit integers (a database BIGINT); two
    texts are candidates when they share a key. The band's number is mixed in, so keys of different
    bands never meet."""
    return band_key_rows([signature])[0]


def band_key_rows(found: Sequence[Signature]) -> list[list[int]]:
    """:func:`band_keys` of each signature, computed together."""
    import numpy as np

    if not found:
        return []
    with np.errstate(over="ignore"):
        stacked = np.stack([f[: BANDS * BAND_ROWS] for f in found]).astype(np.uint64)
        values = stacked.reshape(len(found), BANDS, BAND_ROWS)
        key = np.broadcast_to(
            np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(_POLY), (len(found), BANDS)
        ).copy()
        for row in range(BAND_ROWS):
            key = _fmix64(key ^ values[:, :, row])
    return [[int(k) for k in row] for row in key.view(np.int64)]


def similarity(a: str, b: str) -> float:
    """Exact Jaccard similarity of two texts' shingle sets (for tests and for choosing the threshold)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def story_id_for(url: str) -> str:
    """A stable story id derived from a URL: 16 hex digits of its SHA-256."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def signature_bytes(signature: Signature) -> bytes:
    """A signature as bytes, to store beside the text it was computed from (512 bytes at 128 permutations)."""
    return bytes(signature.astype("<u4").tobytes())


def signature_from_bytes(data: bytes) -> Signature:
    """The signature :func:`signature_bytes` stored; raises ValueError when the bytes are not one."""
    import numpy as np

    if len(data) != NUM_PERM * 4:
        raise ValueError(f"a stored signature has {NUM_PERM * 4} bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def cluster_stories(
    documents: Iterable[tuple[str, str]],
    *,
    existing: Mapping[str, str] | None = None,
    threshold: float = THRESHOLD,
) -> list[StoryCluster]:
    """Cluster ``(url, text)`` pairs into stories; every URL lands in exactly one cluster.

    The story id is stable: a cluster that contains URLs already given ids in ``existing`` (url -> story
    id, e.g. from the warehouse) keeps the smallest of those ids; a new cluster takes
    :func:`story_id_for` of its smallest URL. A URL given twice keeps its last text. Texts without words
    are never merged with anything. Clusters are returned sorted by story id.
    """
    texts = dict(documents)
    urls = list(texts)
    return cluster_signatures(
        dict(zip(urls, signatures([texts[u] for u in urls]), strict=True)),
        existing=existing,
        threshold=threshold,
    )


def cluster_signatures(
    signatures: Mapping[str, Signature | None],
    *,
    existing: Mapping[str, str] | None = None,
    threshold: float = THRESHOLD,
    anchors: Mapping[str, datetime] | None = None,
    window: timedelta | None = None,
) -> list[StoryCluster]:
    """:func:`cluster_stories` over signatures computed beforehand (url -> signature, None for a text
    without words), so that a caller can keep them instead of computing them again.

    With ``anchors`` (url -> the text's time) and ``window``, no cluster spans more than ``window``:
    two texts are linked only when their times are at most ``window`` apart, and a linked group that
    still spans more (a chain of copies a few days apart each) is cut in time order: a story starts at
    its earliest text and takes every text of the group up to ``window`` after it, the next story starts
    at the first text after that, and so on; each such part is then split into what its own links
    connect. A URL without an anchor is linked with nothing.

    When a story of ``existing`` is cut in two, the part listed first (sorted by smallest URL) keeps its
    id and the others take :func:`story_id_for` of their smallest URL.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold={threshold!r}: expected a Jaccard similarity in (0, 1]")
    if (anchors is None) != (window is None):
        raise ValueError("anchors and window go together: give both or neither")
    order = sorted(signatures)
    edges = _links(order, signatures, threshold, anchors, window)
    groups = _components(order, edges)
    if anchors is not None and window is not None:
        groups = [part for group in groups for part in _cut(group, edges, anchors, window)]
    known = existing or {}
    clusters = []
    taken: set[str] = set()
    for urls in sorted(groups):
        ids = [i for i in sorted({known[u] for u in urls if u in known}) if i not in taken]
        story_id = ids[0] if ids else story_id_for(urls[0])
        taken.add(story_id)
        clusters.append(StoryCluster(story_id, tuple(urls)))
    return sorted(clusters, key=lambda c: (c.story_id, c.urls))


def _links(
    order: list[str],
    signatures: Mapping[str, Signature | None],
    threshold: float,
    anchors: Mapping[str, datetime] | None,
    window: timedelta | None,
) -> set[tuple[str, str]]:
    """Every pair (smaller URL first) that shares an LSH band, lies within the window and whose estimate
    reaches the threshold."""
    buckets: dict[int, list[str]] = {}
    keyed = [u for u in order if signatures[u] is not None and (anchors is None or u in anchors)]
    rows = band_key_rows([signatures[u] for u in keyed])  # type: ignore[misc]
    for url, keys in zip(keyed, rows, strict=True):
        for key in keys:
            buckets.setdefault(key, []).append(url)
    pairs = {(x, y) for urls in buckets.values() for i, x in enumerate(urls) for y in urls[i + 1 :]}
    edges = set()
    for x, y in pairs:
        if anchors is not None and window is not None and abs(anchors[x] - anchors[y]) > window:
            continue
        sx, sy = signatures[x], signatures[y]
        # LSH only proposes candidates; the estimate decides, so the threshold means what it says.
        if sx is not None and sy is not None and jaccard(sx, sy) >= threshold:
            edges.add((x, y))
    return edges


def _components(urls: Sequence[str], edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The connected components of ``edges`` over ``urls``, each sorted."""
    parent = {url: url for url in urls}

    def find(url: str) -> str:
        while parent[url] != url:
            parent[url] = parent[parent[url]]
            url = parent[url]
        return url

    for x, y in edges:
        root_x, root_y = find(x), find(y)
        if root_x != root_y:
            parent[max(root_x, root_y)] = min(root_x, root_y)
    members: dict[str, list[str]] = {}
    for url in urls:
        members.setdefault(find(url), []).append(url)
    return [sorted(group) for group in members.values()]


def _cut(
    group: list[str], edges: set[tuple[str, str]], anchors: Mapping[str, datetime], window: timedelta
) -> list[list[str]]:
    """A linked group cut into parts that span at most ``window`` (see :func:`cluster_signatures`)."""
    if len(group) == 1:
        return [group]
    timed = sorted((anchors[url], url) for url in group)
    if timed[-1][0] - timed[0][0] <= window:
        return [group]
    parts: list[list[str]] = []
    start: datetime | None = None
    for anchor, url in timed:
        if start is None or anchor - start > window:
            parts.append([])
            start = anchor
        parts[-1].append(url)
    out = []
    for part in parts:
        inside = set(part)
        out += _components(sorted(part), [(x, y) for x, y in edges if x in inside and y in inside])
    return out

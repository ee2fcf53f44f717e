"""Cross-source near-duplicates: syndicated and re-posted stories clustered under one story id.

Each text (headline and body, as the caller joins them) becomes a set of 4-word shingles over normalised
words; a MinHash signature estimates the Jaccard similarity of two such sets, and locality-sensitive
hashing (datasketch) finds the candidate pairs without comparing every pair. A candidate pair is kept
when its estimated Jaccard similarity is at least :data:`THRESHOLD`; clusters are the connected
components of the kept pairs.

Why 0.5: a re-post with an edited headline keeps ~95 % of its shingles, one with an added promo line
~90 %, one with its last of six paragraphs trimmed ~80 %, while two different stories on the same event
(same names, same places, different sentences) share well under 10 %. 0.5 sits between with room on
both sides for the estimate's error (about ±0.09 at 128 permutations).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash

THRESHOLD = 0.5
"""Minimum estimated Jaccard similarity of two texts' shingle sets for them to be the same story."""

SHINGLE_WORDS = 4
NUM_PERM = 128
"""MinHash permutations: the standard error of the Jaccard estimate is about 1/sqrt(NUM_PERM)."""

SEED = 1
"""Fixed so that signatures computed in different runs and processes are comparable."""

SCHEME = "affine32"
"""datasketch's hashing scheme, named rather than left to the library's default: stored signatures must
stay comparable with the ones computed after an upgrade."""

_WORD = re.compile(r"\w+")


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


def signature(text: str) -> MinHash | None:
    """The text's MinHash (a ``datasketch.MinHash``), or None for a text without words."""
    return signatures([text])[0]


# MurmurHash3's 32-bit finalizer, the pre-mix datasketch's "affine32" scheme applies to each input hash.
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)

_CHUNK_SHINGLES = 4096
"""Shingles permuted at once: a (4096 x 128) uint32 block is 2 MB, so memory stays flat for any batch."""


def signatures(texts: Sequence[str]) -> list[MinHash | None]:
    """:func:`signature` of each text, computed together: the same hash values as datasketch's
    ``MinHash.update_batch`` gives (a test compares them), at a fraction of its cost.

    datasketch builds its permutations with a seeded random generator for every new MinHash and permutes
    each text's hashes separately; here the permutations are drawn once, every shingle of every text is
    hashed into one array, and one vectorised pass takes each text's minimum per permutation.
    """
    import numpy as np
    from datasketch import MinHash

    template = _template()
    a, b = (np.asarray(p, dtype=np.uint32) for p in template.permutations)
    sha1 = hashlib.sha1
    counts = []
    parts = []
    for text in texts:
        grams = shingles(text)
        counts.append(len(grams))
        # datasketch's sha1_hash32: the first 4 bytes of the SHA-1 digest, read little-endian.
        parts.append(b"".join([sha1(gram.encode("utf-8")).digest()[:4] for gram in grams]))
    hashes = np.frombuffer(b"".join(parts), dtype="<u4").astype(np.uint32)
    s1, m1, s2, m2, s3 = (np.uint32(c) for c in _FMIX32)
    hashes = hashes ^ (hashes >> s1)
    hashes = hashes * m1
    hashes = hashes ^ (hashes >> s2)
    hashes = hashes * m2
    hashes = hashes ^ (hashes >> s3)

    minima = np.empty((len(texts), NUM_PERM), dtype=np.uint32)
    bounds = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
    first = 0
    while first < len(texts):
        # Whole texts per chunk (a long text may make a chunk larger than _CHUNK_SHINGLES).
        last = int(np.searchsorted(bounds, bounds[first] + _CHUNK_SHINGLES, side="right")) - 1
        last = min(max(last, first + 1), len(texts))
        start, stop = int(bounds[first]), int(bounds[last])
        permuted = hashes[start:stop, None] * a + b  # uint32 wrap-around is the scheme's modulo 2^32
        offsets = bounds[first:last] - start
        nonempty = np.asarray(counts[first:last]) > 0
        if stop > start:
            # Texts without shingles are left out of the reduction (they get None below): the offsets of
            # the others are then strictly increasing, each segment ending where the next text starts.
            minima[first:last][nonempty] = np.minimum.reduceat(permuted, offsets[nonempty], axis=0)
        first = last
    return [
        MinHash(
            num_perm=NUM_PERM,
            seed=SEED,
            hashvalues=minima[i],
            permutations=template.permutations,
            scheme=SCHEME,
        )
        if count
        else None
        for i, count in enumerate(counts)
    ]


@lru_cache(maxsize=1)
def _template() -> MinHash:
    # Drawing the permutations is the costly part of a new MinHash; they depend only on NUM_PERM and SEED.
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)


def similarity(a: str, b: str) -> float:
    """Exact Jaccard similarity of two texts' shingle sets (for tests and for choosing the threshold)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def story_id_for(url: str) -> str:
    """A stable story id derived from a URL: 16 hex digits of its SHA-256."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def signature_bytes(minhash: MinHash) -> bytes:
    """A signature as bytes, to store beside the text it was computed from (512 bytes at 128 permutations)."""
    return bytes(minhash.hashvalues.astype("<u4").tobytes())


def signature_from_bytes(data: bytes) -> MinHash:
    """The signature :func:`signature_bytes` stored; raises ValueError when the bytes are not one."""
    import numpy as np
    from datasketch import MinHash

    if len(data) != NUM_PERM * 4:
        raise ValueError(f"a stored signature has {NUM_PERM * 4} bytes, got {len(data)}")
    values = np.frombuffer(data, dtype="<u4").astype(np.uint32)
    return MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=values, scheme=SCHEME)


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
    return cluster_signatures(
        {url: signature(text) for url, text in texts.items()}, existing=existing, threshold=threshold
    )


def cluster_signatures(
    signatures: Mapping[str, MinHash | None],
    *,
    existing: Mapping[str, str] | None = None,
    threshold: float = THRESHOLD,
) -> list[StoryCluster]:
    """:func:`cluster_stories` over signatures computed beforehand (url -> signature, None for a text
    without words), so that a caller can keep them instead of computing them again."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold={threshold!r}: expected a Jaccard similarity in (0, 1]")
    from datasketch import MinHashLSH

    parent = {url: url for url in signatures}

    def find(url: str) -> str:
        while parent[url] != url:
            parent[url] = parent[parent[url]]
            url = parent[url]
        return url

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    inserted: dict[str, MinHash] = {}
    for url in sorted(signatures):
        minhash = signatures[url]
        if minhash is None:
            continue
        for other in lsh.query(minhash):
            # LSH only proposes candidates; the estimate decides, so the threshold means what it says.
            # A candidate already in this URL's cluster needs no comparison.
            if find(url) != find(other) and minhash.jaccard(inserted[other]) >= threshold:
                root_a, root_b = find(url), find(other)
                parent[max(root_a, root_b)] = min(root_a, root_b)
        lsh.insert(url, minhash)
        inserted[url] = minhash

    members: dict[str, list[str]] = {}
    for url in signatures:
        members.setdefault(find(url), []).append(url)
    known = existing or {}
    clusters = []
    for urls in members.values():
        urls.sort()
        ids = sorted(known[u] for u in urls if u in known)
        clusters.append(StoryCluster(ids[0] if ids else story_id_for(urls[0]), tuple(urls)))
    return sorted(clusters, key=lambda c: (c.story_id, c.urls))

"""Near-duplicate clusters: messages whose character-trigram Jaccard similarity reaches a threshold.

Real reports come in waves of one template with a changed link or number. A validation split that puts
one copy in training and another in testing measures memory, not skill, so every split the product
makes over real messages (training's own calibration fold, the evaluation's folds) keeps a cluster on
one side. Pure: no Django, no I/O.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from untrusted.text import MAX_TEXT_CHARS, compile_pattern

NEAR_DUPLICATE_JACCARD = 0.5
# The strict form drops what a template changes from copy to copy: links, numbers, punctuation, spaces.
# Python's \b before the bare domain becomes a consumed context character outside the `url` group: a
# match starts where a word character follows a non-word one (or the text's start). A "." or "-" after a
# word character never starts the leftmost match (the word before it starts an earlier one), and every
# match runs to the next space, so the context before the next one is never consumed. Word characters are
# letters, numbers and _ (Python's \w: no combining marks), spaces are str.isspace.
_WORD = r"\pL\pN_"
_NOT_SPACE = r"[^\t\n\x0b\f\r \x1c-\x1f\x85\pZ]"
_URLS = compile_pattern(
    "clusters.urls",
    rf"(?P<url>(?:https?://|www\.){_NOT_SPACE}+)"
    rf"|(?:^|[^{_WORD}])(?P<bare>[{_WORD}][{_WORD}.-]*\.(?:com|net|kr|me|gl|ly|io|xyz|top|shop|co){_NOT_SPACE}*)",
    ignore_case=True,
)


def _without_urls(text: str) -> str:
    pieces: list[str] = []
    cursor = 0
    for match in _URLS.finditer(text):
        start, end = match.span("url" if match.group("url") is not None else "bare")
        pieces.append(text[cursor:start])
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _letters(text: str) -> str:
    """`text` without what Python's [\\W\\d_] matches: word characters other than digits and _ stay."""
    return "".join(c for c in text if c.isalnum() and not c.isdecimal())


def _grams(folded: str, prefix: str) -> set[str]:
    if len(folded) < 3:
        return {prefix + folded} if folded else set()
    return {prefix + folded[i : i + 3] for i in range(len(folded) - 2)}


def _trigrams(text: str) -> tuple[set[str], set[str]]:
    lower = text.lower()
    loose = " ".join(lower.split())  # whitespace runs as one space, none at the ends
    strict = _letters(_without_urls(lower) if len(lower) <= MAX_TEXT_CHARS else lower)
    return _grams(loose, "a"), _grams(strict, "b")


def _find(parent: list[int], item: int) -> int:
    while parent[item] != item:
        parent[item] = parent[parent[item]]
        item = parent[item]
    return item


def near_duplicate_clusters(
    texts: list[str], *, threshold: float = NEAR_DUPLICATE_JACCARD, block: int = 2000
) -> list[int]:
    """A cluster id per text (connected components of the "Jaccard ≥ threshold" graph).

    Two texts are joined when either form of them reaches the threshold: lower case with whitespace
    collapsed, or the strict form (no links, digits, punctuation or spaces). The pairwise intersections come
    from a sparse product, computed in row blocks so memory stays bounded for tens of thousands of rows.
    """
    n = len(texts)
    parent = list(range(n))
    grams = [_trigrams(text) for text in texts]
    for form in (0, 1):
        _join(parent, [g[form] for g in grams], threshold, block)
    roots = [_find(parent, i) for i in range(n)]
    renumber: dict[int, int] = {}
    return [renumber.setdefault(root, len(renumber)) for root in roots]


def _join(parent: list[int], grams: list[set[str]], threshold: float, block: int) -> None:
    n = len(grams)
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for row, items in enumerate(grams):
        for gram in items:
            rows.append(row)
            cols.append(vocabulary.setdefault(gram, len(vocabulary)))
    matrix = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, max(1, len(vocabulary)))
    )
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    transposed = matrix.T.tocsc()
    for start in range(0, n, block):
        stop = min(n, start + block)
        intersections = (matrix[start:stop] @ transposed).tocoo()
        for i, j, shared in zip(intersections.row, intersections.col, intersections.data, strict=True):
            a, b = start + int(i), int(j)
            if b <= a:
                continue
            union = sizes[a] + sizes[b] - shared
            if union > 0 and shared / union >= threshold:
                root_a, root_b = _find(parent, a), _find(parent, b)
                if root_a != root_b:
                    parent[root_b] = root_a


def grouped_folds(
    texts: list[str], labels: list[str], *, folds: int, threshold: float, seed: int
) -> tuple[list[int], list[tuple[list[int], list[int]]]]:
    """Cluster ids and k (train rows, test rows) folds, stratified by label, that never split a cluster."""
    from sklearn.model_selection import StratifiedGroupKFold

    clusters = near_duplicate_clusters(texts, threshold=threshold)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    result = [
        ([int(i) for i in fit], [int(i) for i in held])
        for fit, held in splitter.split(texts, labels, clusters)
    ]
    return clusters, result

"""Which unlabelled reports an analyst should label next: closest calls first, but spread out.

Ranking purely by uncertainty fills a batch with near-copies of one confusing template (twenty
variants of one loan lure teach what one of them teaches) and, with a model that has seen no real data
yet, with the one kind it happens to be unsure about. `diverse_batch` therefore takes the items in
priority order but at most one per near-duplicate cluster, and first fills an equal share per predicted
class, so every batch covers the kinds the model confuses rather than one of them. Uncertainty is the
margin between the two best classes (1 − (p₁ − p₂)): on four classes it orders the same close calls
as entropy does, and it is what the queue stores.

`queue_priority` weighs each close call by how many queued reports its cluster holds: one label of a
wave teaches about every copy of it still waiting, so a half-sure report of a five-report wave comes
before a coin toss nobody else sent. Before the model has learnt from any analyst label (`cold_start`),
its uncertainty is the shipped model's, whose closest calls are odd cases a model fitted on a few labels
learns little from; the first batch is then the largest clusters, the closest call of each, and the
closest calls take over once a model has been fitted on labels.

Pure: no Django, no I/O.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def margin_uncertainty(probabilities: Sequence[Sequence[float]]) -> list[float]:
    """1 − (top probability − second), per row: 1 is a coin toss, 0 a sure call."""
    result = []
    for row in probabilities:
        ranked = sorted(row, reverse=True)
        second = ranked[1] if len(ranked) > 1 else 0.0
        result.append(1.0 - (ranked[0] - second))
    return result


def cluster_sizes(clusters: Sequence[int | str]) -> list[int]:
    """Per item, how many of the given items share its near-duplicate cluster (itself included)."""
    counts = Counter(clusters)
    return [counts[c] for c in clusters]


def queue_priority(
    uncertainty: Sequence[float], clusters: Sequence[int | str], *, cold_start: bool = False
) -> list[float]:
    """What `diverse_batch` ranks by: uncertainty × the size of the item's cluster among the given
    items; with `cold_start`, the cluster size first and uncertainty (in [0, 1], halved so it never
    outweighs one more cluster member) only between clusters of one size."""
    if len(uncertainty) != len(clusters):
        raise ValueError("uncertainty and clusters must have the same length")
    sizes = cluster_sizes(clusters)
    if cold_start:
        return [n + min(max(u, 0.0), 1.0) / 2 for u, n in zip(uncertainty, sizes, strict=True)]
    return [u * n for u, n in zip(uncertainty, sizes, strict=True)]


def diverse_batch(
    priority: Sequence[float],
    clusters: Sequence[int | str],
    predicted: Sequence[int | str],
    size: int,
) -> list[int]:
    """Positions of the next `size` items to label.

    Pass 1 walks the items from highest to lowest priority (the uncertainty, or `queue_priority`) and
    takes one per near-duplicate cluster, up to an equal share per predicted class; pass 2 lifts the
    class share; pass 3 lifts the cluster rule (only when fewer clusters than `size` remain).
    Deterministic: ties keep the input order.
    """
    if not (len(priority) == len(clusters) == len(predicted)):
        raise ValueError("priority, clusters and predicted must have the same length")
    order = sorted(range(len(priority)), key=lambda i: (-priority[i], i))
    classes = set(predicted)
    share = math.ceil(size / max(1, len(classes)))
    picked: list[int] = []
    taken: set[int] = set()
    seen_clusters: set[int | str] = set()
    per_class: dict[int | str, int] = {}
    for respect_share, respect_cluster in ((True, True), (False, True), (False, False)):
        for i in order:
            if len(picked) >= size:
                return picked
            if i in taken:
                continue
            if respect_cluster and clusters[i] in seen_clusters:
                continue
            if respect_share and per_class.get(predicted[i], 0) >= share:
                continue
            picked.append(i)
            taken.add(i)
            seen_clusters.add(clusters[i])
            per_class[predicted[i]] = per_class.get(predicted[i], 0) + 1
    return picked


# Labels revealed per round in the replay (`bench/smishing_active.py`) and the batch the product's
# labelling queue is cut into: the queue's first QUEUE_BATCH rows are the replay's next batch.
QUEUE_BATCH = 25


def queue_order(
    uncertainty: Sequence[float],
    clusters: Sequence[int | str],
    predicted: Sequence[int | str],
    *,
    batch: int = QUEUE_BATCH,
    limit: int | None = None,
    cold_start: bool = False,
) -> list[int]:
    """The labelling queue's order: `diverse_batch` over `queue_priority` taken again and again from
    what is left (cluster sizes counted among what is left), so the first `batch` positions are the
    batch active learning picks next, the following `batch` the one it would pick if no model were
    refitted in between, and so on. `cold_start` (no analyst label has trained the model behind
    `uncertainty` yet) shapes the first batch only: once it is labelled, a model fitted on it orders
    the rest. Stops once `limit` positions are placed (a page of the queue needs only its prefix);
    deterministic."""
    if not (len(uncertainty) == len(clusters) == len(predicted)):
        raise ValueError("uncertainty, clusters and predicted must have the same length")
    if batch < 1:
        raise ValueError("batch must be at least 1")
    wanted = len(uncertainty) if limit is None else min(limit, len(uncertainty))
    remaining = list(range(len(uncertainty)))
    order: list[int] = []
    while remaining and len(order) < wanted:
        left_clusters = [clusters[i] for i in remaining]
        positions = diverse_batch(
            queue_priority(
                [uncertainty[i] for i in remaining], left_clusters, cold_start=cold_start and not order
            ),
            left_clusters,
            [predicted[i] for i in remaining],
            batch,
        )
        order.extend(remaining[p] for p in positions)
        taken = set(positions)
        remaining = [r for p, r in enumerate(remaining) if p not in taken]
    return order[:wanted]

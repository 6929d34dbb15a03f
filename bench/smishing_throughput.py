"""Throughput and latency of the smishing engine on one core (one thread everywhere).

Trains a model on the generated corpus (or loads one with --model FILE), then measures batched scoring
in messages per second and single-message `predict` latency p50/p99, Kiwi included. Prints JSON.

    .venv/bin/python bench/smishing_throughput.py [--model FILE] [--messages 2000] [--single 300]
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smishing.engine import SmishingModel, generate_corpus, train  # noqa: E402
from smishing.engine.features import kiwi  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    started = time.monotonic()
    kiwi()
    kiwi_seconds = time.monotonic() - started
    if args.model:
        model = SmishingModel.loads(args.model.read_bytes())
    else:
        corpus = generate_corpus(seed=0, per_template=20)
        model, _ = train(
            [e.text for e in corpus], [e.label for e in corpus], groups=[e.template_id for e in corpus]
        )
    # Fresh messages (another seed) so nothing is cached from training.
    messages = [e.text for e in generate_corpus(seed=99, per_template=max(1, args.messages // 150 + 1))]
    random.Random(0).shuffle(messages)  # every message kind, not just the first templates
    messages = messages[: args.messages]
    model.predict(messages[:50])  # warm-up

    # CPU time as well as wall time: on a shared, busy machine the CPU figures are the ones that hold.
    started, cpu_started = time.monotonic(), time.process_time()
    for start in range(0, len(messages), args.batch):
        model.predict(messages[start : start + args.batch])
    batch_seconds = time.monotonic() - started
    batch_cpu_seconds = time.process_time() - cpu_started

    latencies, cpu_latencies = [], []
    for text in messages[: args.single]:
        tick, cpu_tick = time.perf_counter(), time.process_time()
        model.predict([text])
        latencies.append((time.perf_counter() - tick) * 1000)
        cpu_latencies.append((time.process_time() - cpu_tick) * 1000)
    latencies.sort()
    cpu_latencies.sort()
    result = {
        "cores": 1,
        "threads": 1,
        "messages": len(messages),
        "batch_size": args.batch,
        "batched_messages_per_second": round(len(messages) / batch_seconds, 1),
        "batched_messages_per_cpu_second": round(len(messages) / max(batch_cpu_seconds, 1e-9), 1),
        "single_predict_cpu_ms": {
            "p50": round(statistics.median(cpu_latencies), 2),
            "p99": round(cpu_latencies[min(len(cpu_latencies) - 1, int(len(cpu_latencies) * 0.99))], 2),
        },
        "single_predict_ms": {
            "p50": round(statistics.median(latencies), 2),
            "p99": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2),
            "n": len(latencies),
        },
        "kiwi_load_seconds": round(kiwi_seconds, 2),
        "model_bytes": len(model.dumps()),
        "model_version": model.version,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

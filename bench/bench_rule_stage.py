"""CPU time the scoring batch spends in its rule stage, measured by wrapping the registered loader
and the per-transaction calls (benchmark instrumentation; production code is untouched)."""

from __future__ import annotations

import time
from typing import Any


class RuleStageClock:
    """Installs itself on creation; `cpu` is the process time spent in the rule stage since `reset`."""

    def __init__(self) -> None:
        from alerts import rule_hooks

        self.cpu = 0.0
        loader = rule_hooks._loader[0]
        clock = self

        def timed_loader(**kwargs: Any) -> Any:
            started = time.process_time()
            batch = loader(**kwargs)
            clock.cpu += time.process_time() - started
            return _TimedBatch(batch, clock)

        rule_hooks.rules_loader_register(timed_loader)

    def reset(self) -> None:
        self.cpu = 0.0


class _TimedBatch:
    def __init__(self, batch: Any, clock: RuleStageClock) -> None:
        self._batch = batch
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._batch, name)
        if not callable(attribute):
            return attribute

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return attribute(*args, **kwargs)
            finally:
                self._clock.cpu += time.process_time() - started

        return timed

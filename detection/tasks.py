from __future__ import annotations

from celery import shared_task

from detection.services import backtest_run


@shared_task(acks_late=True, ignore_result=True)
def backtest_run_task(backtest_id: int) -> None:
    """Run one backtest (see detection.services.backtest_run). Safe to repeat: a finished backtest
    is not run again."""
    backtest_run(backtest_id=backtest_id)

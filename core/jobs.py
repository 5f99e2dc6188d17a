"""Periodic work made of steps: each step fails on its own, so one broken step never stops
the others (the next run retries it)."""

import logging
from collections.abc import Callable, Iterable


def jobs_run(steps: Iterable[tuple[str, Callable[[], int]]], *, logger: logging.Logger) -> dict[str, int]:
    """Run each (name, step); a step that raises is logged and counted as 0."""
    summary: dict[str, int] = {}
    for name, step in steps:
        try:
            summary[name] = step()
        except Exception:
            logger.exception("job step %s failed", name)
            summary[name] = 0
    return summary

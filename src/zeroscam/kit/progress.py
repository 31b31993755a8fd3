"""Progress bars on a terminal, silence otherwise (CLI.md)."""

from __future__ import annotations

import sys
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


def interactive() -> bool:
    return sys.stderr.isatty() and sys.stdout.isatty()


class _Steps:
    """A tiny wrapper: `steps.advance("features")` moves the bar and names the step."""

    def __init__(self, progress: Progress | None, task):
        self._progress, self._task = progress, task

    def advance(self, label: str = "", amount: float = 1) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=amount, description=label or None)


@contextmanager
def steps(description: str, total: float | None):
    """Yield a `_Steps`; shows a rich progress bar only on a terminal."""
    if not interactive():
        yield _Steps(None, None)
        return
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                        transient=True)
    with progress:
        task = progress.add_task(description, total=total)
        yield _Steps(progress, task)

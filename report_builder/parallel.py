"""Independent tasks in worker processes or one after another in this one, with the same results (as Sphinx's util/parallel)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future  # imported where a future is made: an up-to-date build needs none

Item = TypeVar("Item")
Result = TypeVar("Result")


def tasks_for(jobs: int, count: int) -> SerialTasks | ParallelTasks:
    """Never more workers than tasks; one task (or one job) runs in this process."""
    workers = max(1, min(jobs, count))
    return SerialTasks() if workers == 1 else ParallelTasks(workers)


class SerialTasks:
    """Runs each task in this process, in order: the twin of ParallelTasks for one job."""

    def __enter__(self) -> SerialTasks:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def close(self) -> None:
        """No more tasks (ParallelTasks.close); here there is nothing to end."""

    def submit(self, function: Callable[..., Result], *args: Any) -> Future:
        """function(*args) now: a finished Future, as ParallelTasks.submit gives one that finishes later."""
        from concurrent.futures import Future

        future: Future = Future()
        try:
            future.set_result(function(*args))
        except Exception as exc:  # noqa: BLE001 - raised by result(), as from a worker
            future.set_exception(exc)
        return future

    def run(self, function: Callable[[Item], Result], items: Sequence[Item], on_result: Callable[[Result], None],
            on_error: Callable[[Item, Exception], Result]) -> list[Result]:
        """function(item) for every item; each result goes to on_result as soon as it is there, and the
        list comes back in the order of items. A task that raises gives on_error(item, exception)."""
        results = []
        for item in items:
            try:
                result = function(item)
            except Exception as exc:  # noqa: BLE001 - handled as the parallel twin handles a failed task
                result = on_error(item, exc)
            results.append(result)
            on_result(result)
        return results


class ParallelTasks:
    """Runs tasks in a ProcessPoolExecutor of `workers` processes, kept for the life of the `with` block
    (--watch rebuilds in the same workers, whose imports and loaded templates stay warm).

    Leaving the block because of an exception (Ctrl-C, or SIGTERM, which the command turns into
    SystemExit) cancels the tasks not yet started and waits for the running ones, so every worker has
    exited when the block is left (after close(), the workers end on their own, reaped by the
    executor). Workers ignore Ctrl-C, which the terminal sends to them too: the parent alone decides.
    A parent that cannot clean up (killed with SIGKILL, out of memory) still
    takes its workers with it: each watches its parent and ends itself with SIGTERM when the parent
    is gone, as if the parent had sent it; a temporary file it leaves is removed by the next build.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = None

    def __enter__(self) -> ParallelTasks:
        self._pool = self._start()
        return self

    def __exit__(self, exc_type: Any, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=exc_type is not None)

    def close(self) -> None:
        """No more tasks: the workers finish the ones they have and end while this process goes on (the
        executor reaps them), instead of when the block is left. Only when every result is in."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def _start(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn: a fresh interpreter per worker, which inherits nothing of this process (its threads,
        # such as the progress display's, its signal handlers, its open files).
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker)

    def submit(self, function: Callable[..., Result], *args: Any) -> Future:
        """function(*args) in a worker; function and args must pickle."""
        return self._pool.submit(function, *args)

    def run(self, function: Callable[[Item], Result], items: Sequence[Item], on_result: Callable[[Result], None],
            on_error: Callable[[Item, Exception], Result]) -> list[Result]:
        """As SerialTasks.run; function and items must pickle (a module-level function, plain values)."""
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        try:
            futures = {self._pool.submit(function, item): index for index, item in enumerate(items)}
        except BrokenProcessPool:  # a worker died in an earlier run (killed, out of memory): start afresh
            self._pool.shutdown(wait=True)
            self._pool = self._start()
            futures = {self._pool.submit(function, item): index for index, item in enumerate(items)}
        results: list[Any] = [None] * len(items)
        for future in as_completed(futures):
            index = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. BrokenProcessPool: a worker died during the task
                result = on_error(items[index], exc)
            results[index] = result
            on_result(result)
        return results


def _start_worker() -> None:
    """In each worker: ignore Ctrl-C (the parent decides), and end with the parent, however it ended."""
    import multiprocessing
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), name="end-with-parent", daemon=True).start()


def _end_with(parent) -> None:
    """Wait for the parent process to end (its sentinel closes when it does), then end this worker."""
    import os
    import signal

    parent.join()
    os.kill(os.getpid(), signal.SIGTERM)  # the default action: the worker ends where it is

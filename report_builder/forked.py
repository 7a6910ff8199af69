"""Run one function in a forked process and collect its result: half of a build on the other core.

fork() hands the child the loaded report and template as they are (nothing is pickled on the way in,
and a template's Jinja environment could not be); only the result travels back, through a pipe.
"""
from __future__ import annotations

import pickle
import traceback
from collections.abc import Callable
from typing import Any


class Forked:
    """`with Forked(function) as other: ...; value = other.result()`: function runs in a forked child.

    An exception in the child is raised again by result(), as itself when it can be pickled (a
    ReportBuilderError keeps its message and problems), otherwise as a RuntimeError with the child's
    traceback. Leaving the block stops a child that is still running, so nothing outlives the build.
    """

    def __init__(self, function: Callable[[], Any]):
        self._function = function

    def __enter__(self) -> Forked:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(self._function, send), daemon=True,
                                        name="report_builder-half")
        self._process.start()  # flushes stdout and stderr first, so nothing buffered is printed twice
        send.close()
        return self

    def result(self) -> Any:
        try:
            status, payload = self._receive.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"the forked half of the build ended without a result "
                               f"(exit code {self._process.exitcode})") from None
        self._process.join()
        if status == "error":
            raise payload
        return payload

    def __exit__(self, *exc_info: object) -> None:
        self._receive.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


def _run(function: Callable[[], Any], send: Any) -> None:
    try:
        message = ("ok", function())
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent, which decides
        message = ("error", _portable(exc))
    try:
        send.send(message)
    except (OSError, EOFError):
        pass  # the parent has gone (it failed or was interrupted): nobody to tell
    except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled is a bug, reported as one
        send.send(("error", _portable(exc)))
    finally:
        send.close()


def _portable(exc: BaseException) -> BaseException:
    """The exception itself if it survives pickling, else a RuntimeError that keeps its traceback."""
    detail = "".join(traceback.format_exception(exc))
    try:
        copy = pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any exception type may fail to pickle, in any way
        copy = RuntimeError(f"{type(exc).__name__}: {exc}")
    if not getattr(copy, "exit_status", None):  # a bug, not bad input: keep where it happened for --debug
        copy.add_note("in the forked half of the build:\n" + detail)
    return copy

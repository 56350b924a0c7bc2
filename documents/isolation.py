"""Runs the parsing of untrusted files in a child process with CPU, memory and wall-time limits.

A hostile file (a PDF that inflates to gigabytes, an image bomb, a file that sends a parser into a loop)
must cost a bounded amount and never take the web worker down with it. The parser runs in a child process
forked from a fork server (started once per process, with the parsing libraries already imported, so that
each check costs a fork, not an interpreter start); the child sets RLIMIT_CPU and RLIMIT_AS on itself,
and the parent kills it when the wall time is over. A child that dies, runs out of memory or of time is a
`LimitExceeded`, which the caller turns into a refusal for the user.

Only bytes and plain values cross the pipe, never a file path: the checks write no temporary file.
"""

import contextlib
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import resource
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# Imported by the fork server before it forks the children: they start with the parsers loaded, and without
# running the caller's main script again (documents/fork_server.py says why).
PRELOADED_MODULES = ["documents.fork_server", "documents.uploads"]

_context_lock = threading.Lock()
_context: Any = None


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int
    memory_bytes: int
    wall_seconds: float


class LimitExceeded(Exception):
    """The child used more than its limits (`reason`: "time" or "memory"), or died."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class ChildUsage:
    """What the last isolated run cost the child; filled when a caller passes one (the benchmark)."""

    peak_rss_kilobytes: int = 0
    cpu_seconds: float = 0.0


def run_isolated(function: Callable, *args, limits: Limits, usage: ChildUsage | None = None):
    """`function(*args)` in a limited child process: its result, or the exception it raised (which must
    pickle), or LimitExceeded. `function` must be importable by name (a module-level function)."""
    context = _multiprocessing_context()
    receiver, sender = context.Pipe(duplex=False)
    with _may_start_a_child():
        process = context.Process(target=_child_main, args=(sender, limits, function, args), daemon=True)
        process.start()
    sender.close()
    try:
        if not receiver.poll(limits.wall_seconds):
            raise LimitExceeded("time")
        try:
            kind, value, peak_rss, cpu = receiver.recv()
        except (EOFError, OSError):
            # Killed by the kernel: SIGXCPU/SIGKILL past RLIMIT_CPU, or an allocation that could not fail
            # cleanly past RLIMIT_AS.
            raise LimitExceeded("memory") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
        process.close()
    if usage is not None:
        usage.peak_rss_kilobytes, usage.cpu_seconds = peak_rss, cpu
    if kind == "limit":
        raise LimitExceeded(value)
    if kind == "error":
        raise value
    return value


@contextlib.contextmanager
def _may_start_a_child() -> Iterator[None]:
    """Celery's prefork pool runs tasks (thumbnails) in daemonic processes, which multiprocessing forbids to
    start children lest they be orphaned. This child cannot outlive its purpose: it is killed and joined
    before run_isolated returns, and if the task's process is killed first, its CPU limit or its broken
    pipe ends it. A daemonic process runs one task at a time, in one thread: the flag is put back after."""
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    if not config.get("daemon"):
        yield
        return
    # The same key, as multiprocessing's own type: billiard's refuses to be sent to the fork server.
    authkey = config["authkey"]
    config["daemon"] = False
    config["authkey"] = multiprocessing.process.AuthenticationString(bytes(authkey))
    try:
        yield
    finally:
        config["daemon"], config["authkey"] = True, authkey


def _forget_inherited_fork_server() -> None:
    """A process forked from one that had started the fork server (a pool's process, a test's) starts its
    own: the inherited one is not its child, and multiprocessing fails waiting for it."""
    server = multiprocessing.forkserver._forkserver  # type: ignore[attr-defined]
    if server._forkserver_alive_fd is not None:
        with contextlib.suppress(OSError):
            os.close(server._forkserver_alive_fd)
    server._forkserver_pid = server._forkserver_address = server._forkserver_alive_fd = None


os.register_at_fork(after_in_child=_forget_inherited_fork_server)


def _multiprocessing_context():
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOADED_MODULES)
            _context = context
        return _context


def _child_main(sender: multiprocessing.connection.Connection, limits: Limits, function: Callable, args) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        outcome: tuple[str, Any] = ("ok", function(*args))
    except MemoryError:
        outcome = ("limit", "memory")
    except Exception as error:  # sent to the parent, which decides
        outcome = ("error", error)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    try:
        sender.send((*outcome, usage.ru_maxrss, usage.ru_utime + usage.ru_stime))
    except MemoryError:
        sender.send(("limit", "memory", usage.ru_maxrss, usage.ru_utime + usage.ru_stime))
    except Exception as error:  # one that does not pickle
        sender.send(("error", RuntimeError(type(error).__name__), usage.ru_maxrss, 0.0))
    sender.close()

"""One generator run in a second process, its items sent back as they come.

A large import checks its rows in a child process while this process matches them against
the register and writes them: the machine's two cores each do half of the work. The child
is forked, so it starts with everything this process has (settings, the file being read,
what the import has loaded) and needs no setup of its own. It must never use the database
connection it inherits: it only reads the file and computes.
"""

import fcntl
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress

PIPE_BYTES = 1 << 20


class ChildFailed(RuntimeError):
    """The child process raised, or ended without saying it was done."""


def can_fork() -> bool:
    """Whether this process may start a forked child: not on Windows, nor inside a
    daemonic multiprocessing worker (which may have no children), nor while other threads
    run (a threaded web server: the child would start with whatever locks they held at that
    moment, and nobody to release them). The command line and a worker of one thread may."""
    return (
        hasattr(os, "fork")
        and not multiprocessing.current_process().daemon
        and threading.active_count() == 1
    )


@contextmanager
def items_from_child(produce: Callable[[], Iterable]) -> Iterator[Iterator]:
    """Run `produce()` in a forked child; yield an iterator over the items it gives, in
    order, received through a pipe (pickled). The child runs ahead of the reader by an item
    or so: the pipe holds little, so a slow reader holds the child back instead of letting
    it fill memory. Leaving the block ends the child, finished or not."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    _widen(sending)
    process = context.Process(
        target=_serve, args=(produce, sending, receiving), name="import-checker", daemon=True
    )
    process.start()
    sending.close()  # the child holds the only sending end now: its exit ends the pipe
    try:
        yield _received(receiving)
    finally:
        receiving.close()
        if process.is_alive():
            process.terminate()  # the reader stopped early (an error): the rest is unwanted
        process.join()


def _widen(connection) -> None:
    """Let the pipe hold up to a megabyte (an item, a chunk of rows, is about that) where
    the system allows (Linux), so the child can go on with the next item while this
    process is still busy with the last one, rather than wait for it 64 kB at a time."""
    setting = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setting is not None:
        with suppress(OSError):  # (a lower limit: the default size works, with less overlap)
            fcntl.fcntl(connection.fileno(), setting, PIPE_BYTES)


def _received(receiving) -> Iterator:
    while True:
        try:
            kind, item = receiving.recv()
        except EOFError:
            raise ChildFailed("the checking process ended without finishing") from None
        if kind == "item":
            yield item
        elif kind == "done":
            return
        else:
            raise ChildFailed(f"the checking process failed:\n{item}")


def _serve(produce: Callable[[], Iterable], sending, receiving) -> None:
    """The child's whole life: send every item, then "done" (or the error)."""
    receiving.close()  # (the parent's end, inherited)
    try:
        for item in produce():
            sending.send(("item", item))
        sending.send(("done", None))
    except BrokenPipeError:
        pass  # the parent stopped reading: nobody to tell
    except BaseException:
        sending.send(("error", traceback.format_exc()))
    finally:
        sending.close()

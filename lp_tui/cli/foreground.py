"""The main thread of a command that runs until it is stopped (`lp-tui sandbox`, `lp-tui webhooks`).

Ctrl+C and SIGTERM (``kill``, a service manager) stop such a command cleanly: what it serves is
shut down, the port is freed, and it exits 0. How a stop reaches the main thread matters:

- A handler that raises (KeyboardInterrupt) lands wherever the main thread happens to be: inside
  a lock's bookkeeping, half-way through printing a line.
- A handler that takes a lock (``Queue.put``, ``Event.set``) can run while the main thread holds
  that same lock, and then waits for itself.
- Python runs a handler in the main thread between two steps of Python code. A signal that comes
  just as the main thread goes to sleep in ``Queue.get`` or ``time.sleep`` (after Python last
  looked, before the system call blocks) is run only when that call returns. For a receiver with
  nothing more to receive, that was never: the command ignored the SIGTERM.

So the handlers here only mark the stop, and the main thread sleeps waiting on two sockets:
one that other threads write to when they ``hand_over`` work, and the one Python writes each
signal's number to as the signal arrives (``signal.set_wakeup_fd``). A stop that came at any
moment, even before the main thread began to wait, is seen at once. A second Ctrl+C or SIGTERM
ends the process the default way, for a shutdown that itself hangs.
"""

from __future__ import annotations

import collections
import selectors
import signal
import socket
from typing import Any, Callable, Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
DEFAULT_HANDLERS: dict[int, Callable[[int, Any], Any] | int] = {signal.SIGINT: signal.default_int_handler,
                                                                signal.SIGTERM: signal.SIG_DFL}


class Foreground:
    """Install in the main thread, before anything listens; ``close`` (or the ``with`` block's end)
    puts the previous handlers back."""

    def __init__(self) -> None:
        self._wake_r, self._wake_w = socket.socketpair()  # signal numbers, written by Python itself
        self._post_r, self._post_w = socket.socketpair()  # one byte per hand_over
        for end in (self._wake_r, self._wake_w, self._post_r, self._post_w):
            end.setblocking(False)
        self._selector = selectors.DefaultSelector()  # not select(): it fails on descriptors above 1023
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._selector.register(self._post_r, selectors.EVENT_READ)
        self._items: collections.deque[Any] = collections.deque()  # append and popleft are thread-safe
        self.stopped = False
        self._previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
        self._previous_fd = signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)
        for number in STOP_SIGNALS:
            signal.signal(number, self._mark)

    def _mark(self, signum: int, frame: Any) -> None:
        """The first stop: ``received`` has seen (or will see) its number on the wake-up socket.
        From now on the next one ends the process."""
        for number, handler in DEFAULT_HANDLERS.items():
            signal.signal(number, handler)

    def hand_over(self, item: Any) -> None:
        """From any thread: give ``item`` to the main thread. Never blocks."""
        self._items.append(item)
        try:
            self._post_w.send(b"\0")
        except OSError:  # full (a wake-up is already pending), or closed (stopping)
            pass

    def received(self) -> Iterator[Any]:
        """What other threads hand over, oldest first, as it comes, until Ctrl+C or SIGTERM. What
        was handed over before the stop was seen is still given."""
        while not self.stopped:
            self.stopped = self._stop_came()
            if not self._items and not self.stopped:
                self._selector.select()
                _drain(self._post_r)
                continue
            for _ in range(len(self._items)):  # those here now; then the stop is looked at again
                yield self._items.popleft()

    def wait(self) -> None:
        """Until Ctrl+C or SIGTERM (for a command whose work is all in other threads)."""
        for _item in self.received():
            pass

    def _stop_came(self) -> bool:
        return any(number in STOP_SIGNALS for number in _drain(self._wake_r))

    def close(self) -> None:
        signal.set_wakeup_fd(self._previous_fd)
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._selector.close()
        for end in (self._wake_r, self._wake_w, self._post_r, self._post_w):
            end.close()

    def __enter__(self) -> "Foreground":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _drain(sock: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except (BlockingIOError, InterruptedError):
            return data
        if not chunk:
            return data
        data += chunk

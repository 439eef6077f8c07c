"""How `lp-tui sandbox` and `lp-tui webhooks` wait in the main thread: a stop is never missed,
whenever it comes, and nothing handed over before it is dropped."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from lp_tui.cli.foreground import Foreground

GUARD = "the stop was missed"


@pytest.fixture
def foreground():
    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    fg = Foreground()
    # If a stop is missed, the wait would last for ever: after a minute this hands over an item
    # instead, which the tests below see and fail on.
    guard = threading.Timer(60, fg.hand_over, [GUARD])
    guard.start()
    try:
        yield fg
    finally:
        guard.cancel()
        fg.close()
        assert {number: signal.getsignal(number) for number in before} == before  # put back as found


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_that_came_before_the_wait_still_ends_it(foreground, number):
    """The signal is handled before the main thread starts to wait (as when it lands just before
    the thread blocks, after Python last looked): waiting in Queue.get, this waited for ever."""
    signal.raise_signal(number)  # its handler has run when this returns
    assert list(foreground.received()) == []
    assert foreground.stopped


def syscall(native_id: int) -> str:
    """The system call the thread sleeps in (Linux's /proc), or "running" / "-1"."""
    with open(f"/proc/self/task/{native_id}/syscall") as f:
        return f.read().split()[0]


def lock_wait_syscall() -> str:
    """The call a thread sleeps in while it waits for a lock (futex on Linux). Waiting for the
    interpreter lock looks the same, so it cannot tell us that the main thread waits in select."""
    lock = threading.Lock()
    lock.acquire()
    ids: list[int] = []
    waiter = threading.Thread(target=lambda: (ids.append(threading.get_native_id()), lock.acquire()))
    waiter.start()
    while not ids or syscall(ids[0]) in ("running", "-1"):
        time.sleep(0.001)
    number = syscall(ids[0])
    lock.release()
    waiter.join()
    return number


@pytest.mark.skipif(not os.path.exists(f"/proc/self/task/{threading.get_native_id()}/syscall"),
                    reason="needs Linux's /proc/<pid>/task/<tid>/syscall")
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_that_comes_while_the_main_thread_sleeps_ends_the_wait(foreground, number):
    main = threading.main_thread()
    not_select = {"running", "-1", lock_wait_syscall()}

    def stop_once_asleep() -> None:  # received() sleeps in nothing but its selector
        while syscall(main.native_id) in not_select:
            time.sleep(0.001)
        signal.pthread_kill(main.ident, number)

    sender = threading.Thread(target=stop_once_asleep)
    sender.start()
    assert list(foreground.received()) == []
    sender.join()


def test_what_was_handed_over_before_the_stop_is_still_given(foreground):
    for item in range(3):
        foreground.hand_over(item)
    signal.raise_signal(signal.SIGTERM)
    assert list(foreground.received()) == [0, 1, 2]


def test_items_come_as_they_are_handed_over_from_other_threads(foreground):
    senders = [threading.Thread(target=lambda n=n: [foreground.hand_over((n, i)) for i in range(200)])
               for n in range(4)]
    for sender in senders:
        sender.start()
    seen = []
    for item in foreground.received():
        seen.append(item)
        if len(seen) == 800:
            signal.raise_signal(signal.SIGTERM)
    for sender in senders:
        sender.join()
    assert GUARD not in seen
    for n in range(4):  # each thread's items in the order it handed them over
        assert [i for m, i in seen if m == n] == list(range(200))


def test_after_the_first_stop_a_second_one_ends_the_process_the_default_way(foreground):
    signal.raise_signal(signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_handing_over_after_close_is_harmless():
    fg = Foreground()
    fg.close()
    fg.hand_over("late")  # a delivery answered while the receiver stops: nothing to raise


def test_a_stop_is_seen_while_items_keep_coming(foreground):
    """A flood of deliveries does not hold the stop off: it is looked at between batches. Here
    each item taken brings another, so there is always one waiting."""
    foreground.hand_over("delivery")
    taken = 0
    for _item in foreground.received():
        taken += 1
        if taken == 1:
            signal.raise_signal(signal.SIGTERM)
        foreground.hand_over("delivery")  # arrives while this one is shown
        assert taken < 1_000_000, "the stop was not looked at while items kept coming"

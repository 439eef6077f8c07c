"""Bounds at their edges: accepted at the bound, refused at the bound plus one, with a message."""

from __future__ import annotations

import errno
import math
import os
import stat
import threading
from pathlib import Path

import pytest

from lp_tui.limits import (MAX_DEPTH, MAX_FILE_BYTES, NotRegularFile, TooDeep, check_depth, depth, file_kind, finite_seconds,
                           is_regular, loads_json, loads_toml, read_bytes)


def nested_json(levels: int) -> str:
    return "[" * levels + "]" * levels


def nested_toml(levels: int) -> str:
    """A TOML document ``levels`` deep: the document itself is one level, each array one more."""
    return "a = " + "[" * (levels - 1) + "]" * (levels - 1) + "\n"


def test_json_is_read_at_the_depth_limit_and_refused_one_past_it():
    assert depth(loads_json(nested_json(MAX_DEPTH))) == MAX_DEPTH == 100
    with pytest.raises(TooDeep, match="nested deeper than 100 levels"):
        loads_json(nested_json(MAX_DEPTH + 1))


def test_toml_is_read_at_the_depth_limit_and_refused_one_past_it():
    assert depth(loads_toml(nested_toml(MAX_DEPTH))) == MAX_DEPTH
    with pytest.raises(TooDeep, match="nested deeper than 100 levels"):
        loads_toml(nested_toml(MAX_DEPTH + 1))


def test_toml_keeps_a_custom_depth_limit():
    assert loads_toml(nested_toml(3), limit=3) == {"a": [[]]}
    with pytest.raises(TooDeep, match="3 levels"):
        loads_toml(nested_toml(4), limit=3)


def test_json_keeps_a_custom_depth_limit():
    assert loads_json("[[[]]]", limit=3) == [[[]]]
    with pytest.raises(TooDeep, match="nested deeper than 2 levels"):
        loads_json("[[[]]]", limit=2)
    with pytest.raises(TooDeep):
        loads_json('{"a": {"b": {"c": 1}}}', limit=2)


@pytest.mark.parametrize("text", [
    '{"deep": %s, "x": 1}', '{"x": 1, "deep": %s}', '[%s, 1]', '[1, %s]', '[1, "a", null, %s, true]',
])
def test_a_scalar_beside_a_deep_value_does_not_hide_its_depth(text):
    """The walk goes on past every scalar: a deep branch anywhere is found."""
    too_deep = text % nested_json(MAX_DEPTH)  # one level more with the outer container
    with pytest.raises(TooDeep):
        loads_json(too_deep)
    assert depth(loads_json(text % nested_json(MAX_DEPTH - 1))) == MAX_DEPTH


def test_depth_counts_dicts_and_lists_alike():
    assert depth(1) == 0 and depth("x") == 0
    assert depth({}) == 1 and depth([]) == 1
    assert depth({"a": [{"b": []}]}) == 4
    assert depth([1, [2, [3]], {"k": "v"}]) == 3
    assert check_depth([[1]], 2) == [[1]]
    with pytest.raises(TooDeep):
        check_depth([[1]], 1)


def test_non_json_numbers_are_refused_only_when_asked():
    assert math.isnan(loads_json("[NaN]")[0])  # Python's json takes NaN unless told
    with pytest.raises(ValueError, match="NaN is not allowed"):
        loads_json("[NaN]", strict_numbers=True)
    with pytest.raises(ValueError, match="Infinity is not allowed"):
        loads_json('{"a": -Infinity}', strict_numbers=True)


def test_a_file_of_exactly_the_size_cap_is_read_and_one_byte_more_refused(tmp_path):
    assert MAX_FILE_BYTES == 8 * 1024 * 1024  # the README states 8 MB
    at = tmp_path / "at.toml"
    at.write_bytes(b"#" * MAX_FILE_BYTES)
    assert len(read_bytes(at)) == MAX_FILE_BYTES
    over = tmp_path / "over.toml"
    over.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ValueError, match="larger than 8 MB"):
        read_bytes(over)


def test_a_custom_file_size_cap_is_kept(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_bytes(path, 10) == b"x" * 10
    with pytest.raises(ValueError):
        read_bytes(path, 9)


@pytest.mark.parametrize("value, expected", [
    ("5", 5.0), (7, 7.0), ("0", 0.0), ("-3", 0.0), ("120", 60.0), ("60", 60.0), ("inf", 60.0), ("-inf", 0.0),
    ("nan", None), ("soon", None), (None, None), ("", None), ("1e400", 60.0), (10**400, None),
])
def test_a_wait_from_outside_is_kept_within_zero_and_the_ceiling(value, expected):
    assert finite_seconds(value, 60.0) == expected


def test_a_limit_above_the_default_is_kept_too():
    """A caller that allows more than 100 levels gets exactly that many, not the default."""
    limit = MAX_DEPTH + 100
    assert depth(loads_json(nested_json(limit), limit), limit) == limit
    with pytest.raises(TooDeep, match=f"nested deeper than {limit} levels"):
        loads_json(nested_json(limit + 1), limit)
    with pytest.raises(TooDeep):
        check_depth(loads_json(nested_json(limit + 1), limit + 1), limit)


def test_toml_too_deep_for_the_parser_itself_names_the_limit():
    """Nesting deep enough to exhaust the parser's recursion is the same clear refusal."""
    with pytest.raises(TooDeep, match="nested deeper than 5 levels"):
        loads_toml("a = " + "[" * 100_000 + "]" * 100_000, limit=5)
    with pytest.raises(TooDeep, match="nested deeper than 5 levels"):
        loads_json("[" * 100_000 + "]" * 100_000, limit=5)


def test_a_file_is_never_read_past_its_cap(tmp_path):
    """An endless source (a pipe, a device) is refused after cap + 1 bytes, without reading to its end."""
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)
    done = threading.Event()
    still_open: list[bool] = []

    def write() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(b"x" * 2048)
            pipe.flush()
            # the pipe stays open until the reader is done: a reader that reads to the end returns
            # only when this gives up and closes it
            still_open.append(done.wait(30))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        with pytest.raises(ValueError, match="larger than"):
            read_bytes(fifo, 1024)
    finally:
        done.set()
        writer.join(60)
    assert still_open == [True], "read_bytes read the pipe to its end instead of stopping past the cap"


# --- regular files only: presets, checks, settings and rules folders ------------------------------------
def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_regular_file_is_read_whole_at_the_cap_and_refused_one_byte_past_it(tmp_path):
    path = tmp_path / "preset.toml"
    path.write_bytes(b"a = 1\n")
    assert read_bytes(path, regular_only=True) == b"a = 1\n"
    assert read_bytes(path, 6, regular_only=True) == b"a = 1\n"
    with pytest.raises(ValueError, match="larger than 0 MB"):
        read_bytes(path, 5, regular_only=True)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ValueError, match="larger than 8 MB"):
        read_bytes(big, regular_only=True)


def test_a_regular_file_through_a_symlink_is_read(tmp_path):
    (tmp_path / "real.toml").write_bytes(b"x = 2\n")
    (tmp_path / "link.toml").symlink_to(tmp_path / "real.toml")
    assert read_bytes(tmp_path / "link.toml", regular_only=True) == b"x = 2\n"
    assert is_regular(tmp_path / "link.toml")


def test_a_fifo_is_refused_at_once_without_a_writer_and_says_what_it_is(tmp_path):
    """No writer ever opens the pipe: a read that waited on it would hang here."""
    fifo = tmp_path / "trap.toml"
    os.mkfifo(fifo)
    before = open_fds()
    outcome: list[BaseException | bytes] = []
    finished = threading.Event()

    def read() -> None:
        try:
            outcome.append(read_bytes(fifo, regular_only=True))
        except BaseException as error:  # noqa: BLE001 (the test looks at it)
            outcome.append(error)
        finally:
            finished.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not finished.wait(30):  # a reader that waits for a writer: release it, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        finished.wait(30)
        pytest.fail("read_bytes(regular_only=True) waited on a FIFO for a writer")
    reader.join()
    with pytest.raises(NotRegularFile) as refused:
        raise outcome[0] if isinstance(outcome[0], BaseException) else AssertionError(f"read {outcome[0]!r}")
    assert isinstance(refused.value, OSError)
    assert refused.value.errno == errno.EINVAL
    assert refused.value.strerror == "a FIFO (named pipe): lp-tui reads only regular files here"
    assert open_fds() == before, "the refused file was left open"


def test_a_folder_and_a_device_are_refused_by_name(tmp_path):
    before = open_fds()
    with pytest.raises(NotRegularFile) as folder:
        read_bytes(tmp_path, regular_only=True)
    assert folder.value.strerror == "a folder: lp-tui reads only regular files here"
    with pytest.raises(NotRegularFile) as device:
        read_bytes(Path("/dev/null"), regular_only=True)
    assert device.value.strerror == "a device: lp-tui reads only regular files here"
    assert open_fds() == before


def test_a_regular_file_read_leaves_no_file_open(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x")
    before = open_fds()
    for _ in range(3):
        read_bytes(path, regular_only=True)
    with pytest.raises(ValueError):
        read_bytes(path, 0, regular_only=True)
    assert open_fds() == before


@pytest.mark.parametrize("mode, words", [
    (stat.S_IFIFO | 0o644, "a FIFO (named pipe)"),
    (stat.S_IFCHR | 0o644, "a device"),
    (stat.S_IFBLK | 0o644, "a device"),
    (stat.S_IFSOCK | 0o755, "a socket"),
    (stat.S_IFDIR | 0o755, "a folder"),
    (stat.S_IFLNK | 0o777, "not a regular file"),
])
def test_each_kind_of_file_is_named_in_words(mode, words):
    assert file_kind(mode) == words


def test_only_a_regular_file_counts_as_regular(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"")
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    assert is_regular(path) is True
    assert is_regular(fifo) is False
    assert is_regular(tmp_path) is False
    assert is_regular(Path("/dev/null")) is False
    assert is_regular(tmp_path / "missing") is False
    assert is_regular(Path("bad\0name")) is False  # a ValueError from the system call, not raised


def test_a_file_named_for_a_secret_may_be_a_pipe(tmp_path):
    """Without ``regular_only`` a pipe is read (``--secret-file <(…)``)."""
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(b"s3cret")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    assert read_bytes(fifo) == b"s3cret"
    writer.join(60)

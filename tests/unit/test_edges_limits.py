"""Bounds at their edges: accepted at the bound, refused at the bound plus one, with a message."""

from __future__ import annotations

import math
import os
import threading

import pytest

from lp_tui.limits import MAX_DEPTH, MAX_FILE_BYTES, TooDeep, check_depth, depth, finite_seconds, loads_json, loads_toml, read_bytes


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

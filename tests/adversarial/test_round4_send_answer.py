"""A hostile Connector API answering `lp-tui event`'s SEND with a wrongly typed sequence: NaN,
Infinity, text, a fraction, true, a negative number. lp-tui prints the body as it came (made safe),
but its own "sequence:" line names only a sequence, a whole number 0 or more; never "sequence: nan"."""

from __future__ import annotations

import pytest

from .conftest import assert_terminal_safe, cli
from .hostile import connector_raw


@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b'"\\u001b[2J7"', b"1.5", b"true", b"-1", b"{}", b"1e999"])
def test_a_sequence_that_is_not_a_whole_number_is_not_reported_as_one(lp_home, hostile, value):
    hostile.script["*/conversation/send"] = connector_raw(
        b'{"code":"OK","body":{"sequence":' + value + b'},"reqId":"1"}', 200, {"Content-Type": "application/json"})
    result = cli("event", "conv-1", "--chat-state", "COMPOSING", env=hostile.env())
    err = result.stderr.decode("utf-8", "replace")
    assert "sequence:" not in err, err
    assert_terminal_safe("stderr", result.stderr)
    assert_terminal_safe("stdout", result.stdout)


def test_a_whole_sequence_is_reported(lp_home, hostile):
    hostile.script["*/conversation/send"] = connector_raw(
        b'{"code":"OK","body":{"sequence":7},"reqId":"1"}', 200, {"Content-Type": "application/json"})
    result = cli("event", "conv-1", "--chat-state", "COMPOSING", env=hostile.env())
    assert result.returncode == 0, result.stderr
    assert "sequence: 7" in result.stderr.decode()

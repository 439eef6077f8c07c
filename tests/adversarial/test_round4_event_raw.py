"""`lp-tui event --raw … --as`: a raw SEND body that is not UTF-8 text cannot become a curl or Python
copy (both are text); lp-tui says so in one line, naming the byte, and never shows a traceback."""

from __future__ import annotations

from .conftest import cli


def test_a_raw_send_body_that_is_not_utf8_is_refused_for_a_copy_with_a_message(lp_home, hostile, tmp_path):
    body = tmp_path / "body.json"
    body.write_bytes(b'{"id":"1","type":"ms.PublishEvent","body":{"dialogId":"c","event":{"type":"ContentEvent",'
                     b'"contentType":"text/plain","message":"\xff\xfe"}}}')
    body.chmod(0o600)
    for form in ("curl", "curl-flow", "python"):
        result = cli("event", "conv-1", "--raw", str(body), "--yes", "--as", form, env=hostile.env())
        err = result.stderr.decode("utf-8", "replace")
        assert result.returncode == 2, err
        assert f"--raw {body}" in err and "not UTF-8" in err and "byte 127" in err, err
        assert result.stdout == b""
    assert hostile.requests == []  # nothing was sent: --as only prints

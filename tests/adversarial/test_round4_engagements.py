"""A hostile Monitoring API (the engagement lookup, CSDS service smt) answering wrongly typed ids,
numbers JSON does not have, and numbers Python refuses to read. The ids are filled into the next
create's campaignInfo: "nan", "inf", "1e+20" or "880524023.0" are not ids and must not get there;
an answer that is not JSON must not be called "not a JSON object"."""

from __future__ import annotations

import pytest

from lp_tui.lp.engagements import parse

from .conftest import assert_terminal_safe, cli
from .hostile import HOSTILE_TEXT, connector_raw


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e20, 880524023.5, True, False,
                                   {"id": 1}, [1], None])
def test_an_id_that_is_not_text_or_a_whole_number_is_not_taken_as_one(value):
    [found] = parse(201, {"engagementDetails": [{"campaignId": value, "engagementId": value,
                                                 "contextId": value}]}).engagements
    assert (found.campaign_id, found.engagement_id, found.context_id) == ("", "", "")


def test_ids_as_liveperson_sends_them_are_kept():
    [a, b] = parse(201, {"engagementDetails": [
        {"campaignId": 880524023, "engagementId": 880524123.0, "contextId": "1"},
        {"campaignId": "2739101812", "engagementId": "2739121912", "contextId": 1}]}).engagements
    assert (a.campaign_id, a.engagement_id, a.context_id) == ("880524023", "880524123", "1")
    assert (b.campaign_id, b.engagement_id, b.context_id) == ("2739101812", "2739121912", "1")


@pytest.mark.parametrize("body, said", [
    (b'{"engagementDetails":[{"campaignId":' + b"9" * 5000 + b"}]}", "not JSON lp-tui can read"),
    (b'{"engagementDetails":[{"campaignId":NaN,"engagementId":-Infinity}]}', "not JSON lp-tui can read"),
    (b"[" * 5000, "nested deeper than"),
    (("\x1b[2J" + HOSTILE_TEXT).encode(), "not JSON lp-tui can read"),
], ids=["a-number-of-5000-digits", "NaN-and-Infinity", "nested-5000-deep", "escapes"])
def test_an_answer_that_is_not_json_is_said_to_be_so(lp_home, hostile, body, said):
    hostile.hosts["smt"] = f"127.0.0.1:{hostile.server_address[1]}"
    hostile.script["*/engagement"] = connector_raw(body, 201, {"Content-Type": "application/json"})
    result = cli("engagements", env=hostile.env())
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1, err
    assert said in err and "not a JSON object" not in err, err
    assert_terminal_safe("stderr", result.stderr)
    assert b"nan" not in result.stdout.lower() and b"inf" not in result.stdout.lower()

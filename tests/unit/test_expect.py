"""Expectations made from what came back pass against the same case in `lp-tui check`."""

from __future__ import annotations

import json

from lp_tui.model.expect import expect_from_record, parse_expect

OPEN = json.dumps([
    {"reqId": "1", "code": "OK", "body": {"msg": "OK User Profile set successfully"}},
    {"reqId": "2", "code": "BAD_REQUEST", "body": {"msg": "Consumer request conversation failed: User abc already "
                                                          "has open conversation. Close it before opening another"}},
])


def test_an_open_conversation_refusal_becomes_a_two_send_case():
    record = {"response": {"status": 400, "body": OPEN}, "conversation_id": None}
    table = expect_from_record(record)
    assert table == {"conversation": True, "second": {"status": 400, "codes": ["OK", "BAD_REQUEST"],
                                                      "conversation": False,
                                                      "message": "already has open conversation"}}
    parsed = parse_expect(table)  # a table `lp-tui check` takes
    assert parsed.conversation is True and parsed.second is not None and parsed.second.status == 400


def test_a_plain_answer_stays_one_send():
    ok = json.dumps([{"reqId": "1", "code": "OK", "body": {}}, {"reqId": "2", "code": "OK",
                                                                "body": {"conversationId": "c1"}}])
    table = expect_from_record({"response": {"status": 200, "body": ok}, "conversation_id": "c1",
                                "routing": {"skill": "General"}})
    assert table == {"status": 200, "codes": ["OK", "OK"], "conversation": True, "skill": "General"}

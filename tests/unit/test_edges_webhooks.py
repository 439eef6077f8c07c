"""Webhook signatures, ids and bounds at their edges.

The signature and the two id headers are all that stand between a forged POST and the
timeline; the bounds keep a hostile sender from flooding it. Each guard fails a test here
when it is loosened (tests/mutation.py checks that).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import threading

import pytest

from lp_tui.lp import webhooks as W
from lp_tui.lp.receiver import Receiver

SECRET = "Edge-Secret-5f3a9c"
CREDS = W.Credentials(SECRET, "app-7", "87654321")


def signature(body: bytes, algorithm: str = "sha1", secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), body, getattr(hashlib, algorithm)).digest()  # computed here, not by lp-tui
    return f"{algorithm}={base64.b64encode(digest).decode()}"


def signed(body: bytes, *extra: tuple[str, str], algorithm: str = "sha1", ids: bool = True) -> list[tuple[str, str]]:
    out = [("X-LivePerson-Signature", signature(body, algorithm))]
    if ids:
        out += [("X-LivePerson-Client-Id", "app-7"), ("X-LivePerson-Account-Id", "87654321")]
    return out + list(extra)


BODY = json.dumps({"kind": "notification", "type": W.MESSAGING_EVENT, "body": {"changes": []}}).encode()


# --- the signature ------------------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
@pytest.mark.parametrize("spelling", [str.lower, str.upper, str.title])
def test_the_algorithm_name_is_read_whatever_its_case(algorithm, spelling):
    value = signature(BODY, algorithm)
    name, _, digest = value.partition("=")
    headers = [("x-liveperson-signature", f"{spelling(name)}={digest}"), ("X-LIVEPERSON-CLIENT-ID", "app-7"),
               ("x-liveperson-account-id", "87654321")]
    assert W.check(headers, BODY, CREDS) is None


def test_the_signature_is_checked_against_this_apps_secret_and_these_bytes():
    assert W.check(signed(BODY), BODY, CREDS) is None
    assert W.sign(BODY, SECRET) == signature(BODY)
    assert W.sign(BODY, SECRET, "sha256") == signature(BODY, "sha256")
    other_secret = [("X-LivePerson-Signature", signature(BODY, secret=SECRET + "x"))] + signed(BODY)[1:]
    assert "signature does not match" in W.check(other_secret, BODY, CREDS)
    assert "signature does not match" in W.check(signed(BODY), BODY + b" ", CREDS)
    sha256_named_sha1 = [("X-LivePerson-Signature", "sha1=" + signature(BODY, "sha256").partition("=")[2])]
    assert "sha1 signature does not match" in W.check(sha256_named_sha1 + signed(BODY)[1:], BODY, CREDS)


@pytest.mark.parametrize("value", ["", "sha1=", "sha1", "md5=" + "A" * 24, "=abc", "sha512=abc", " = "])
def test_a_signature_that_is_not_sha1_or_sha256_with_a_digest_is_refused(value):
    reason = W.check([("x-liveperson-signature", value)] + signed(BODY)[1:], BODY, CREDS)
    assert reason == "x-liveperson-signature must be sha1=… or sha256=… (base64 HMAC of the body)"


def test_no_signature_and_two_signatures_are_refused():
    assert W.check(signed(BODY)[1:], BODY, CREDS) == "no x-liveperson-signature header: the request is not signed"
    both = signed(BODY) + [("x-liveperson-signature", signature(BODY))]
    assert W.check(both, BODY, CREDS) == "more than one x-liveperson-signature header"


def test_a_reason_never_quotes_the_signature_sent():
    forged = "sha1=" + base64.b64encode(b"forged-signature-bytes!").decode()
    reason = W.check([("x-liveperson-signature", forged)] + signed(BODY)[1:], BODY, CREDS)
    assert reason and forged.partition("=")[2] not in reason


# --- the id headers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("header, value", [("X-LivePerson-Client-Id", "app-7"),
                                           ("X-LivePerson-Account-Id", "87654321")])
def test_a_repeated_id_header_is_refused_even_when_its_first_value_is_right(header, value):
    headers = signed(BODY) + [(header, "someone-else")]
    assert W.check(headers, BODY, CREDS) is not None
    same_twice = signed(BODY) + [(header, value)]
    reason = W.check(same_twice, BODY, CREDS)
    assert reason is not None and "is not this connection's" in reason


def test_the_account_id_is_checked_when_the_client_id_is_not_known():
    creds = W.Credentials(SECRET, "", "87654321")
    wrong_account = [("X-LivePerson-Signature", signature(BODY)), ("X-LivePerson-Account-Id", "11111111")]
    assert W.check(wrong_account, BODY, creds) == \
        "x-liveperson-account-id '11111111' is not this connection's account id '87654321'"
    no_account = [("X-LivePerson-Signature", signature(BODY))]
    assert W.check(no_account, BODY, creds) == "no x-liveperson-account-id header"
    right = [("X-LivePerson-Signature", signature(BODY)), ("X-LivePerson-Account-Id", " 87654321 ")]
    assert W.check(right, BODY, creds) is None


def test_the_client_id_is_checked_when_the_account_id_is_not_known():
    creds = W.Credentials(SECRET, "app-7", "")
    wrong = [("X-LivePerson-Signature", signature(BODY)), ("X-LivePerson-Client-Id", "app-8")]
    assert "is not this connection's client id" in W.check(wrong, BODY, creds)
    assert W.check(signed(BODY)[:1], BODY, creds) == "no x-liveperson-client-id header"


def test_ids_are_not_checked_when_neither_is_known():
    assert W.check(signed(BODY, ids=False), BODY, W.Credentials(SECRET)) is None


# --- the bounds ---------------------------------------------------------------------------------------
def padded(size: int) -> bytes:
    """A valid notification of exactly ``size`` bytes (white space after the JSON)."""
    return BODY + b" " * (size - len(BODY))


def test_a_body_of_exactly_the_cap_is_read_and_one_byte_more_refused():
    assert W.MAX_BODY_BYTES == 1024 * 1024  # the README states 1 MB
    assert W.parse(padded(W.MAX_BODY_BYTES)).type == W.MESSAGING_EVENT
    with pytest.raises(W.NotAWebhook, match="the body is larger than 1024 kB"):
        W.parse(padded(W.MAX_BODY_BYTES + 1))


def deep(levels: int) -> bytes:
    """A notification ``levels`` deep: the object is one level, each list of the padding one more."""
    note = {"kind": "notification", "type": W.MESSAGING_EVENT, "body": {"changes": []}}
    text = json.dumps(note)[:-1] + ', "pad": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"
    return text.encode()


def test_a_notification_at_the_depth_cap_is_read_and_one_level_deeper_refused():
    assert W.MAX_DEPTH == 32
    assert W.parse(deep(32)).events == ()
    with pytest.raises(W.NotAWebhook, match="nested deeper than 32 levels"):
        W.parse(deep(33))


def content(n: int, text: str = "hi", sequence=None) -> dict:
    return {"sequence": n if sequence is None else sequence, "originatorId": "agent-1",
            "originatorMetadata": {"id": "agent-1", "role": "ASSIGNED_AGENT"}, "serverTimestamp": 1641916856713,
            "conversationId": "conv-1", "dialogId": "conv-1",
            "event": {"type": "ContentEvent", "contentType": "text/plain", "message": text}}


def messages(changes: list) -> bytes:
    return json.dumps({"kind": "notification", "type": W.MESSAGING_EVENT, "body": {"changes": changes}}).encode()


def test_two_hundred_changes_are_read_and_the_two_hundred_and_first_counted_as_cut():
    at = W.parse(messages([content(i) for i in range(200)]))
    assert len(at.events) == 200 and at.cut == 0
    over = W.parse(messages([content(i) for i in range(201)]))
    assert len(over.events) == 200 and over.cut == 1
    assert [e.sequence for e in over.events] == list(range(200))


def test_a_message_of_4000_characters_is_kept_whole_and_one_more_is_cut():
    kept = W.parse(messages([content(1, "x" * 4000)])).events[0]
    assert kept.text == "x" * 4000
    cut = W.parse(messages([content(1, "x" * 3999 + "yz")])).events[0]
    assert cut.text == "x" * 3999 + "…" and len(cut.text) == 4000


def test_an_id_of_128_characters_is_kept_whole_and_one_more_is_cut():
    assert W.parse(messages([{**content(1), "conversationId": "c" * 128}])).events[0].conversation_id == "c" * 128
    cut = W.parse(messages([{**content(1), "conversationId": "c" * 129}])).events[0].conversation_id
    assert cut == "c" * 127 + "…"


# --- numbers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("given, read", [
    (0, 0), (5, 5), ("7", 7), (-1, -1), ("-1", -1), (-2, None), ("-2", None), (-39, None), (True, None),
    (2**53 - 1, 2**53 - 1), (2**53, None), (3.0, 3), (3.5, None), ("x", None), ("1" * 20, None),
])
def test_sequences_are_whole_numbers_from_minus_one_up(given, read):
    assert W.parse(messages([content(1, sequence=given)])).events[0].sequence == read


def test_negative_numbers_never_reach_the_accepted_sequences():
    note = messages([{**content(1), "event": {"type": "AcceptStatusEvent", "status": "READ",
                                               "sequenceList": [3, -5, "-7", "4", -2, 2.0]}}])
    assert W.parse(note).events[0].sequences == (3, 4, 2)


# --- the MAIN dialog ---------------------------------------------------------------------------------------
def test_the_close_is_read_from_the_main_dialog_not_the_first_one():
    details = {"state": "CLOSE", "stage": "CLOSE", "metaDataLastUpdateTs": 1553591000000,
               "dialogs": [{"dialogId": "d-post", "dialogType": "POST_SURVEY", "closedBy": "CONSUMER",
                            "endTs": 1553592000000, "closedCause": "survey done"},
                           {"dialogId": "d-main", "dialogType": "MAIN", "closedBy": "AGENT",
                            "endTs": 1553591000000, "closedCause": "agent closed"}]}
    note = {"kind": "notification", "type": W.CONVERSATION_CHANGE,
            "body": {"changes": [{"type": "UPSERT", "result": {"convId": "conv-9", "conversationDetails": details}}]}}
    state = W.parse(json.dumps(note).encode()).events[0]
    assert state.closed_by == "AGENT" and state.end == 1553591000000 and state.close_reason == "agent closed"


# --- the receiver: the same caps over HTTP ------------------------------------------------------------
def post(port: int, body: bytes, headers: list[tuple[str, str]]) -> tuple[int, dict]:
    """POST with every header as given, repeated ones included."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("POST", "/")
        for name, value in [*headers, ("Content-Type", "application/json"), ("Content-Length", str(len(body)))]:
            connection.putheader(name, value)
        connection.endheaders()
        try:
            connection.send(body)
        except (BrokenPipeError, ConnectionResetError):  # refused before it read it all
            pass
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"{}")
    finally:
        connection.close()


def test_the_receiver_takes_a_body_of_exactly_the_cap_and_refuses_one_byte_more():
    got: list = []
    arrived = threading.Condition()

    def on_delivery(delivery):
        with arrived:
            got.append(delivery)
            arrived.notify_all()

    receiver = Receiver(CREDS, on_delivery).start()
    try:
        at = padded(W.MAX_BODY_BYTES)
        assert post(receiver.port, at, signed(at)) == (200, {"ok": True})
        over = padded(W.MAX_BODY_BYTES + 1)
        status, _ = post(receiver.port, over, signed(over))
        assert status == 413
        forged = signed(BODY, ("X-LivePerson-Client-Id", "app-7"))  # a second client id
        assert post(receiver.port, BODY, forged) == (401, {"error": "not signed by this app installation"})
        with arrived:
            assert arrived.wait_for(lambda: len(got) == 3, 30)
    finally:
        receiver.stop()
    assert [d.status for d in got] == [200, 413, 401]
    assert got[0].accepted and not got[1].accepted and not got[2].accepted


def test_credentials_show_that_a_secret_is_set_never_the_secret():
    shown = repr(CREDS)
    assert SECRET not in shown and "secret='(redacted)'" in shown and "'app-7'" in shown


def test_a_signature_that_cannot_be_encoded_is_a_reason_not_a_crash():
    reason = W.check([("x-liveperson-signature", "sha1=\ud800abc")] + signed(BODY)[1:], BODY, CREDS)
    assert reason == "the sha1 signature does not match (a wrong client secret, or a changed body)"


# --- the parser's own edges -------------------------------------------------------------------------------
def test_a_secret_of_four_characters_is_masked_in_events_and_empty_secrets_are_ignored():
    event = W.parse(messages([content(1, "the pin is abcd")]), ["abcd", None, ""]).events[0]
    assert event.text == "the pin is (redacted)"
    assert W.parse(messages([content(1, "abc")]), ["abc"]).events[0].text == "abc"


@pytest.mark.parametrize("body, reason", [
    (b"not json", "the body is not JSON (Expecting value: line 1 column 1 (char 0))"),
    (b"[1, 2]", "the body is not a notification (a JSON object with a type)"),
    (b'{"type": "ms.MessagingEventNotification", "body": "changes"}',
     "ms.MessagingEventNotification without a body.changes list"),
    (b'{"type": "cqm.ExConversationChangeNotification"}',
     "cqm.ExConversationChangeNotification without a body.changes list"),
])
def test_what_is_not_a_notification_is_refused_with_its_reason(body, reason):
    with pytest.raises(W.NotAWebhook) as caught:
        W.parse(body)
    assert str(caught.value) == reason


@pytest.mark.parametrize("inner, skipped", [({"changes": [1, 2, 3]}, 3), ({"changes": "abc"}, 0), ("abc", 0), (None, 0)])
def test_another_notification_type_is_named_and_its_changes_counted(inner, skipped):
    note = W.parse(json.dumps({"type": "routing.RoutingTaskNotification", "body": inner}).encode())
    assert note.type == "routing.RoutingTaskNotification" and note.events == () and note.skipped == skipped


@pytest.mark.parametrize("given, read", [
    ("conv-1", "conv-1"), (1234, "1234"), (1234.0, "1234"), (12.5, "12.5"), (True, None), (None, None), ([], None),
])
def test_ids_given_as_numbers_are_read_as_their_text(given, read):
    change = {**content(1), "conversationId": given, "dialogId": None}
    events = W.parse(messages([change])).events
    assert (events[0].conversation_id if events else None) == read


@pytest.mark.parametrize("given", ["X5", "5X", "--5", "-", "5" + " " * 19, "٣", "²"])
def test_a_sequence_that_is_not_plain_digits_is_not_read_and_never_breaks_the_parser(given):
    assert W.parse(messages([content(1, sequence=given)])).events[0].sequence is None

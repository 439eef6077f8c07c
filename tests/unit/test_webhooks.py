"""Webhook notifications: the signature check, the parser (friendly and hostile input)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from lp_tui.lp import webhooks as W
from lp_tui.text import safe

SECRET = "Webhook-Secret-77aa"
CREDS = W.Credentials(SECRET, "app-1", "12345678")

# spec §5.7, abridged example (HOWTO, DC-WH-EX)
OPEN = {"kind": "notification", "type": "cqm.ExConversationChangeNotification",
        "body": {"subscriptionId": "s-1", "changes": [{"type": "UPSERT", "result": {
            "convId": "f2384f56-1", "effectiveTTR": 1553590349893,
            "conversationDetails": {
                "skillId": "558327413",
                "participants": [{"id": "5b0f", "role": "CONSUMER"}, {"id": "e9b2", "role": "ASSIGNED_AGENT"}],
                "dialogs": [{"dialogId": "f2384f56-1", "participantsDetails": [{"id": "5b0f", "role": "CONSUMER",
                                                                                "state": "ACTIVE"}],
                             "dialogType": "MAIN", "channelType": "MESSAGING", "state": "OPEN",
                             "creationTs": 1553589749650, "metaDataLastUpdateTs": 1553589749650}],
                "brandId": "5313846", "state": "OPEN", "stage": "OPEN", "startTs": 1553589749650,
                "metaDataLastUpdateTs": 1553590954025, "ttr": {"ttrType": "PRIORITIZED", "value": 600},
                "conversationHandlerDetails": {"accountId": "5313846", "skillId": "558327413"}}}}]}}


def closed_copy() -> dict:
    note = json.loads(json.dumps(OPEN))
    details = note["body"]["changes"][0]["result"]["conversationDetails"]
    details.update(state="CLOSE", stage="CLOSE", closeReason="AGENT", metaDataLastUpdateTs=1553591000000)
    details["dialogs"][0].update(state="CLOSE", endTs=1553591000000, closedBy="AGENT")
    note["body"]["changes"][0]["result"]["effectiveTTR"] = -1
    return note


def messaging(event: dict, **extra) -> dict:
    change = {"sequence": 39, "originatorId": "e9b2", "originatorMetadata": {"id": "e9b2", "role": "ASSIGNED_AGENT"},
              "serverTimestamp": 1641916856713, "event": event, "conversationId": "f2384f56-1",
              "dialogId": "f2384f56-1", "messageAudience": "ALL", **extra}
    return {"kind": "notification", "type": "ms.MessagingEventNotification", "body": {"changes": [change]}}


def raw(note: dict) -> bytes:
    return json.dumps(note).encode()


def headers(body: bytes, signature: str | None = "sha1", client: str | None = "app-1",
            account: str | None = "12345678") -> list[tuple[str, str]]:
    out = []
    if signature in ("sha1", "sha256"):
        digest = hmac.new(SECRET.encode(), body, getattr(hashlib, signature)).digest()  # computed here, not by lp-tui
        out.append(("X-LivePerson-Signature", f"{signature}={base64.b64encode(digest).decode()}"))
    elif signature is not None:
        out.append(("x-liveperson-signature", signature))
    if client is not None:
        out.append(("x-liveperson-client-id", client))
    if account is not None:
        out.append(("x-liveperson-account-id", account))
    return out


# --- the signature ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_a_correct_signature_passes(algorithm):
    body = raw(OPEN)
    assert W.check(headers(body, algorithm), body, CREDS) is None
    assert W.sign(body, SECRET, algorithm) == dict(headers(body, algorithm))["X-LivePerson-Signature"]


@pytest.mark.parametrize("given,expected", [
    (None, "no x-liveperson-signature header"),
    ("sha1=" + base64.b64encode(b"x" * 20).decode(), "sha1 signature does not match"),
    ("md5=abc", "must be sha1="),
    ("sha1=", "must be sha1="),
    ("", "must be sha1="),
])
def test_a_missing_or_wrong_signature_is_refused(given, expected):
    body = raw(OPEN)
    reason = W.check(headers(body, given), body, CREDS)
    assert reason is not None and expected in reason


def test_the_signature_covers_the_raw_bytes():
    body = raw(OPEN)
    signed = headers(body)
    changed = body.replace(b"558327413", b"558327414")
    assert "does not match" in W.check(signed, changed, CREDS)
    spaced = body + b" "  # the same JSON to a parser, another body to the signature
    assert "does not match" in W.check(signed, spaced, CREDS)


def test_a_signature_made_with_another_secret_is_refused():
    body = raw(OPEN)
    other = W.Credentials("another-secret", "app-1", "12345678")
    assert "does not match" in W.check(headers(body), body, other)


def test_two_signature_headers_are_refused():
    body = raw(OPEN)
    twice = headers(body) + [("x-liveperson-signature", W.sign(body, SECRET))]
    assert "more than one" in W.check(twice, body, CREDS)


@pytest.mark.parametrize("client,account,expected", [
    ("app-2", "12345678", "x-liveperson-client-id 'app-2' is not this connection's client id 'app-1'"),
    (None, "12345678", "no x-liveperson-client-id header"),
    ("app-1", "999", "x-liveperson-account-id '999' is not this connection's account id '12345678'"),
    ("app-1", None, "no x-liveperson-account-id header"),
])
def test_the_client_and_account_ids_must_match(client, account, expected):
    body = raw(OPEN)
    assert W.check(headers(body, client=client, account=account), body, CREDS) == expected


def test_ids_are_not_checked_when_the_connection_has_none():
    body = raw(OPEN)
    assert W.check(headers(body, client=None, account=None), body, W.Credentials(SECRET)) is None


def test_a_reason_never_quotes_the_signature_sent():
    body = raw(OPEN)
    reason = W.check(headers(body, "sha1=" + SECRET), body, CREDS)
    assert SECRET not in reason


def test_credentials_never_show_the_secret():
    assert SECRET not in repr(CREDS) and SECRET not in str(CREDS)


# --- parsing --------------------------------------------------------------------------------------------------
def test_the_documented_conversation_change():
    note = W.parse(raw(OPEN))
    assert note.type == W.CONVERSATION_CHANGE and note.cut == 0 and note.skipped == 0
    (state,) = note.events
    assert isinstance(state, W.ConversationState)
    assert state.conversation_id == "f2384f56-1" and state.skill_id == "558327413"
    assert state.state == "OPEN" and state.time == 1553590954025 and state.start == 1553589749650
    assert state.participants == (W.Participant("5b0f", "CONSUMER"), W.Participant("e9b2", "ASSIGNED_AGENT"))
    assert (state.ttr_type, state.ttr_value) == ("PRIORITIZED", 600)


def test_the_documented_close():
    (state,) = W.parse(raw(closed_copy())).events
    assert state.state == "CLOSE" and state.close_reason == "AGENT" and state.closed_by == "AGENT"
    assert state.end == 1553591000000


def test_every_messaging_event_type():
    content = W.parse(raw(messaging({"type": "ContentEvent", "message": "hi", "contentType": "text/plain"})))
    (message,) = content.events
    assert isinstance(message, W.Message)
    assert (message.sequence, message.role, message.text, message.originator) == (39, "ASSIGNED_AGENT", "hi", "e9b2")
    rich = W.parse(raw(messaging({"type": "RichContentEvent", "content": {
        "type": "vertical", "elements": [{"type": "text", "text": "Pick one"},
                                         {"type": "button", "title": "Yes", "click": {"actions": []}}]}})))
    assert rich.events[0].summary == "vertical: Pick one · Yes"
    accept = W.parse(raw(messaging({"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [1, 2, "x"]})))
    assert isinstance(accept.events[0], W.AcceptStatus)
    assert accept.events[0].status == "READ" and accept.events[0].sequences == (1, 2)
    chat = W.parse(raw(messaging({"type": "ChatStateEvent", "chatState": "COMPOSING"})))
    assert isinstance(chat.events[0], W.ChatState) and chat.events[0].chat_state == "COMPOSING"


def test_a_file_message_is_described():
    note = W.parse(raw(messaging({"type": "ContentEvent", "contentType": "hosted/file",
                                  "message": {"caption": "invoice", "fileType": "PNG", "relativePath": "/x"}})))
    assert note.events[0].text == "file PNG invoice"


def test_unknown_types_and_changes_are_skipped_not_fatal():
    other = W.parse(raw({"kind": "notification", "type": "ms.Something", "body": {"changes": [{}, {}]}}))
    assert other.events == () and other.skipped == 2
    odd = W.parse(raw(messaging({"type": "PresenceEvent"})))
    assert odd.events == () and odd.skipped == 1
    no_id = W.parse(raw({"type": W.CONVERSATION_CHANGE, "body": {"changes": [{"result": {}}, "x", 3]}}))
    assert no_id.events == () and no_id.skipped == 3


@pytest.mark.parametrize("body,expected", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "not a notification"),
    (b'{"type": 5}', "not a notification"),
    (b'{"type": "cqm.ExConversationChangeNotification", "body": {}}', "without a body.changes list"),
    (b'{"type": "ms.MessagingEventNotification", "body": {"changes": NaN}}', "not JSON"),
    (b"\xff\xfe\x00garbage", "not JSON"),
])
def test_what_is_not_a_notification_says_why(body, expected):
    with pytest.raises(W.NotAWebhook) as info:
        W.parse(body)
    assert expected in str(info.value)


def test_deep_nesting_is_refused_without_recursion_trouble():
    deep = b'{"type": "ms.MessagingEventNotification", "body": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with pytest.raises(W.NotAWebhook) as info:
        W.parse(deep)
    assert "nested deeper" in str(info.value)


def test_a_huge_body_is_refused_before_parsing():
    huge = b'{"type": "x", "pad": "' + b"a" * (W.MAX_BODY_BYTES + 1) + b'"}'
    with pytest.raises(W.NotAWebhook) as info:
        W.parse(huge)
    assert "larger than" in str(info.value)


def test_a_flood_of_changes_is_cut_and_counted():
    change = messaging({"type": "ChatStateEvent", "chatState": "ACTIVE"})["body"]["changes"][0]
    note = W.parse(raw({"type": W.MESSAGING_EVENT, "body": {"changes": [change] * (W.MAX_CHANGES + 50)}}))
    assert len(note.events) == W.MAX_CHANGES and note.cut == 50


def test_long_texts_and_ids_are_cut():
    note = W.parse(raw(messaging({"type": "ContentEvent", "message": "m" * 100_000}, conversationId="c" * 10_000)))
    event = note.events[0]
    assert len(event.text) == W.MAX_TEXT and event.text.endswith("…")
    assert len(event.conversation_id) == W.MAX_ID


def test_numbers_where_text_is_expected_and_wrong_types_do_not_break_it():
    note = W.parse(raw(messaging({"type": "ContentEvent", "message": ["not", "text"]}, sequence="7",
                                 serverTimestamp=True, originatorMetadata="x", conversationId=12345)))
    event = note.events[0]
    assert event.conversation_id == "12345" and event.sequence == 7 and event.time is None
    assert event.text == "" and event.role == ""


def test_hostile_text_is_kept_raw_and_made_harmless_at_the_boundary():
    hostile = "\x1b]2;PWNED\x07[bold red]x[/] \u202eevil\x9b31m"
    (event,) = W.parse(raw(messaging({"type": "ContentEvent", "message": hostile}))).events
    assert event.text == hostile  # the model keeps what was sent
    shown = safe(event.text, one_line=True)
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown and "\x9b" not in shown
    assert "\\x1b]2;PWNED\\x07[bold red]x[/]" in shown  # visible, and markup stays text


def test_a_secret_cut_in_half_by_a_bound_shows_none_of_itself():
    """Texts are cut to their bound after masking: a secret across the cut leaves no prefix behind."""
    from lp_tui.lp.webhooks import MAX_TEXT, parse

    secret = "s3cr3t-VALUE-123x"
    text = "a" * (MAX_TEXT - 5) + secret  # the secret straddles the cut
    note = {"kind": "notification", "type": "ms.MessagingEventNotification", "body": {"changes": [{
        "sequence": 0, "originatorMetadata": {"id": "x" * 120 + secret, "role": "CONSUMER"}, "serverTimestamp": 1,
        "conversationId": "c-1", "dialogId": "c-1", "event": {"type": "ContentEvent", "message": text}}]}}
    shown = repr(parse(json.dumps(note).encode(), [secret]))
    assert secret[:4] not in shown.replace("(redacted)", "")

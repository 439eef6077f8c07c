"""Hostile input in every field and every `--set` path: the builder never raises, the JSON is
valid and carries the value unchanged, and the validator names the problem."""

from __future__ import annotations

import json
import string
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lp_tui.cli import main
from lp_tui.model import fields as F
from lp_tui.model.build import build_payload, client_properties, dumps, first_message_facts, first_message_request
from lp_tui.model.draft import Draft, FieldError
from lp_tui.model.validate import validate

FAMILIES = {
    "empty": "",
    "whitespace": "  \t ",
    "very long (1 MB)": "x" * 1_000_000,
    "every unicode plane": "A\u00e9\u0416\u4e2d\U00010348\U0001F600\U00020000\U000E0041\U000F0000\U00100000",
    "right-to-left": "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u202eevil\u202c",
    "emoji": "\U0001F469\u200D\U0001F4BB\U0001F1FA\U0001F1F8\u2764\ufe0f",
    "control characters": "a\x00b\x07c\x1bd\x7fe\nf\rg",
    "quotes, $ and backslashes": '"\'$HOME ${x} \\ \\n \\u0000 `rm` {accountid}',
    "numbers at the limits": str(2**63) + "." + "9" * 30,
    "negative and exponent": "-1e309",
}
LEAVES = [f for f in F.FIELDS if f.is_leaf]
WITH_A_MESSAGE = ("ids.message", "firstMessage.how")  # they mean something only with a first message


def concrete(spec: F.Field) -> str:
    return spec.path.replace("*", "0")


def locate(payload, draft: Draft, path: str):
    """The value the builder put in the JSON for a draft path (None when it was omitted)."""
    section, rest = path.split(".", 1)
    after = first_message_request(draft, "c-1")  # the SEND after the create (the default), or None
    if path == "ids.message" and after is not None:
        return after["id"]
    if section == "ids":
        index = {"profile": 0, "conversation": 1, "message": 2}[rest]
        return payload[index].get("id") if index < len(payload) else None
    if section == "clientProperties":
        return (client_properties(draft) or {}).get(rest)
    if path == "firstMessage.how":  # not a value in a body: where the first message went
        return "batch" if len(payload) > 2 else "send" if after is not None else None
    if section == "firstMessage":
        if after is not None:
            return after["body"]["event"]["message"]
        return payload[2]["body"]["event"]["message"] if len(payload) > 2 else None
    if section == "conversation":
        node = payload[1]["body"]
    elif section == "profile":
        node = payload[0]["body"]
    else:
        sdes = payload[0]["body"].get("authenticatedData", {}).get("lp_sdes", [])
        kind, key = ("ctmrinfo", "info") if section == "consumer" else ("personal", "personal")
        sde = next((s for s in sdes if s["type"] == kind), {})
        node = sde if rest.startswith("auth.") else sde.get(key, {})  # auth sits beside the fields
    for part in rest.split("."):
        if isinstance(node, list):
            node = node[int(part)] if int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        if node is None:
            return None
    return node


@pytest.mark.parametrize("family", FAMILIES)
def test_every_form_field_takes_every_family(family):
    """What a user types in a form: converted where it can be, kept as typed where it cannot."""
    text = FAMILIES[family]
    for spec in LEAVES:
        path = concrete(spec)
        draft = Draft()
        if path in WITH_A_MESSAGE:  # the first message's id and way only exist with a first message
            draft.set_text("firstMessage.text", "hi")
        try:  # exactly what the form does
            draft.set_text(path, text)
        except FieldError as exc:
            assert path in str(exc)  # a message that names the field
            draft.set_value(path, text)
        payload = build_payload(draft, "12345678")
        wire = dumps(payload)
        again = json.loads(wire)
        assert again == json.loads(dumps(payload))
        if text == "":  # an empty field is left out (brandId then follows the account)
            assert not draft.has(path)
            default = {"conversation.brandId": "12345678", "ids.message": "1",  # defaults fill in (the SEND's id)
                       "firstMessage.how": "send"}.get(path)
            assert locate(payload, draft, path) == default, path
            continue
        sent = locate(again, draft, path)
        if path == "firstMessage.how":  # only "batch" puts the message in the create call
            assert sent == ("batch" if text.strip().lower() == "batch" else "send"), (path, family)
        elif spec.kind in (F.STRING, F.ENUM):
            assert sent == text, (path, family)
        findings = validate(payload, "12345678", client_properties(draft), first_message_facts(draft))
        if spec.kind in (F.INTEGER, F.NUMBER) and isinstance(draft.get(path), str):
            assert any(f.field == path and "should be" in f.message for f in findings), (path, family)
        if family == "whitespace" and spec.kind in (F.STRING, F.ENUM):
            assert any(f.field == path and "white space" in f.message for f in findings), path


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "empty"])
def test_every_set_path_in_the_cli(family, capsys):
    """`lp-tui build --set FIELD=VALUE` for every field: JSON out and exit 0, or exit 2 with one clear line."""
    text = FAMILIES[family]
    for spec in LEAVES:
        path = concrete(spec)
        extra = ["--set", "firstMessage.text=hi"] if path in WITH_A_MESSAGE else []
        code = main(["build", "--compact", "--account", "1", *extra, "--set", f"{path}={text}"])
        out, err = capsys.readouterr()
        if code == 0:
            payload = json.loads(out)
            if path == "firstMessage.how":
                assert (len(payload) > 2) == (text.strip().lower() == "batch"), (path, family)
            elif spec.kind in (F.STRING, F.ENUM):
                assert locate(payload, _draft_with(path, text), path) == text, (path, family)
        else:
            assert code == 2 and path in err and err.count("\n") == 1 and "Traceback" not in err, (path, err)


def _draft_with(path: str, text: str) -> Draft:
    draft = Draft()
    if path in WITH_A_MESSAGE:
        draft.set_value("firstMessage.text", "hi")
    draft.set_value(path, text)
    return draft


WRONG_TYPES = ['"many"', "null", "[1, 2]", '{"a": {"b": []}}', "true", "1e308", "-0", str(2**70), '""']


@pytest.mark.parametrize("value", WRONG_TYPES)
def test_set_json_wrong_types_everywhere(value, capsys):
    for spec in LEAVES:
        path = concrete(spec)
        extra = ["--set", "firstMessage.text=hi"] if path in WITH_A_MESSAGE else []
        code = main(["build", "--compact", "--account", "1", *extra, "--set-json", f"{path}={value}"])
        out, err = capsys.readouterr()
        assert code == 0 and "Traceback" not in err, (path, err)
        payload = json.loads(out)
        expected = json.loads(value)
        if path == "firstMessage.how":  # anything but "batch" leaves the message to its SEND after the create
            assert len(payload) == 2, (path, value)
        elif expected not in ({}, []) and not (isinstance(expected, dict) and not expected["a"]["b"]):
            assert locate(payload, _draft_with(path, expected), path) == expected, (path, value)


def test_one_megabyte_through_the_cli_parser(capsys):
    # the OS caps one argv string at 128 kB, so a 1 MB value goes through main() directly
    big = "é" * 1_000_000
    assert main(["build", "--compact", "--set", f"consumer.ctype={big}"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"]["ctype"] == big


# --- property tests -----------------------------------------------------------------------------
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), any_text),
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(any_text, kids, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(LEAVES), st.one_of(any_text, json_values), st.booleans()), max_size=12))
def test_builder_and_validator_never_raise(edits):
    draft = Draft()
    for spec, value, as_text in edits:
        path = concrete(spec)
        try:
            if as_text and isinstance(value, str):
                draft.set_text(path, value)
            else:
                draft.set_value(path, value)
        except FieldError:
            continue
    payload = build_payload(draft, "12345678")
    text = dumps(payload)
    text.encode("utf-8")
    assert json.loads(text) == json.loads(dumps(json.loads(text)))
    for finding in validate(payload, "12345678", client_properties(draft), first_message_facts(draft)):
        assert finding.message and finding.level in ("error", "warning", "info")


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_validator_takes_any_json_body(body):
    validate(body, "1")
    validate([{"kind": "req", "type": "userprofile.SetUserProfile", "body": body},
              {"kind": "req", "type": "cm.ConsumerRequestConversation", "body": body}], "1")


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=string.printable, max_size=300))
def test_raw_bodies_never_crash_the_reverse_mapping(text):
    from lp_tui.model.reverse import draft_from_payload

    try:
        payload = json.loads(text)
    except ValueError:
        return
    draft, lost = draft_from_payload(payload, "1")
    build_payload(draft, "1")


def test_unicode_survives_the_terminal_preview():
    """The preview widget draws any string without raising (wide, combining, control characters)."""
    from lp_tui.ui.widgets.json_view import JsonView

    view = JsonView()
    for text in FAMILIES.values():
        view.set_text(json.dumps({"v": text}, ensure_ascii=False, indent=2))
        for line in view._lines:
            view._highlight(line)
    assert sys.maxunicode == 0x10FFFF

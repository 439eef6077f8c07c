"""Masking at its edges: a secret is absent from every output, in every form it takes."""

from __future__ import annotations

import json

import pytest

from lp_tui.redact import (CUT_RUN, REDACTED, mask, mask_headers, mask_jwts, printed_forms, scrub, scrub_body, scrub_headers,
                           scrub_value, secret_forms)

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjb25zdW1lci0xMjMiLCJleHAiOjk5OTk5OTk5OTl9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
CLIENT_SECRET = "Zq8pW3nVx7Lr2TbK9mYc4HdS6gJf1QaE5uNoPiXw"  # 40 characters, not a JWT


def pieces(secret: str, size: int = 6) -> list[str]:
    """Every run of ``size`` characters of the secret: none of them may show."""
    return [secret[i:i + size] for i in range(len(secret) - size + 1)]


def assert_absent(text: str, secret: str) -> None:
    shown = [p for p in pieces(secret) if p in text]
    assert not shown, f"{shown[:3]} of the secret in {text!r}"


def test_a_long_secret_that_is_not_a_jwt_shows_none_of_its_characters():
    for secret in (CLIENT_SECRET, CLIENT_SECRET * 3, "x" * 41 + "tail-of-secret"):
        assert mask(secret) == REDACTED
        assert_absent(mask(secret), secret)


def test_a_jwt_shows_its_header_prefix_only_when_longer_than_forty():
    assert mask(JWT) == JWT[:10] + "…" + REDACTED
    assert JWT[:10] == "eyJhbGciOi"  # the algorithm header every JWT starts with: tells nothing
    short = "eyJ" + "a" * 37  # 40 characters
    assert mask(short) == REDACTED
    assert mask(short + "b") == short[:10] + "…" + REDACTED
    assert mask("") == "" and mask(None) == ""


def test_secret_headers_are_masked_whatever_their_case_and_the_rest_kept():
    headers = {"authorization": f"Bearer {JWT}", "X-LP-ON-BEHALF": JWT, "Content-Type": "application/json",
               "Authorization2": "plain"}
    masked = mask_headers(headers)
    assert masked["authorization"] == f"Bearer {mask(JWT)}"
    assert masked["X-LP-ON-BEHALF"] == mask(JWT)
    assert masked["Content-Type"] == "application/json" and masked["Authorization2"] == "plain"
    assert mask_headers({"Authorization": CLIENT_SECRET})["Authorization"] == REDACTED
    assert_absent(json.dumps(masked), JWT[10:])


def test_scrub_replaces_every_occurrence_of_secrets_of_four_characters_or_more():
    text = f"echo {CLIENT_SECRET} and again {CLIENT_SECRET}; pin abc"
    out = scrub(text, [CLIENT_SECRET, None, "", "abc"])
    assert_absent(out, CLIENT_SECRET)
    assert out.count(REDACTED) == 2 and out.endswith("pin abc")  # three characters are too short to hunt
    assert scrub("code abcd", ["abcd"]) == f"code {REDACTED}"


def test_dictionary_keys_are_scrubbed_too():
    """A server may echo a token as a key: it is masked there as in values, at any depth."""
    value = {JWT: 1, "a": [{CLIENT_SECRET: {"x": f"Bearer {JWT}"}}], "n": 5, "t": True, "z": None}
    out = scrub_value(value, [JWT, CLIENT_SECRET])
    dumped = json.dumps(out)
    assert_absent(dumped, JWT[10:])
    assert_absent(dumped, CLIENT_SECRET)
    assert out["n"] == 5 and out["t"] is True and out["z"] is None
    assert mask(JWT) in out and mask(CLIENT_SECRET) in out["a"][0]


def test_scrub_value_leaves_values_alone_without_secrets():
    value = {"a": ["b"]}
    assert scrub_value(value, [None, "", "abc"]) is value


def test_one_secret_inside_another_leaves_no_tail_of_the_longer():
    """Longest first: the short secret (a client id inside a token, say) is not replaced first,
    which would leave the head and tail of the longer one readable around the mask."""
    short = "inner-secret"
    longer = "prefix-of-the-token-" + short + "-tail-of-the-token"
    text = f'{{"echo": "{longer}"}}'
    for order in ([short, longer], [longer, short]):
        out = scrub_body(text, order)
        assert "prefix-of-the-token" not in out and "tail-of-the-token" not in out, out
        assert json.loads(out) == {"echo": REDACTED}


def test_a_secret_is_masked_in_the_forms_a_json_body_holds_it():
    for secret in ('pa"ss\\wörd-42', "tok\\", "tök€n-value", 'q"uote'):
        body = json.dumps({"token": secret, "ascii": secret}, ensure_ascii=False)
        body_ascii = json.dumps({"token": secret, "ascii": secret})
        for text in (body, body_ascii):
            out = scrub_body(text, [secret])
            assert json.loads(out) == {"token": REDACTED, "ascii": REDACTED}, (secret, out)
    forms = secret_forms(["tök€n-value", None, "ab"])
    assert forms == sorted(forms, key=len, reverse=True) and len(forms) == 2


def test_whole_jwts_are_masked_in_free_text_even_unknown_ones():
    text = f"the server said {JWT}!"
    out = mask_jwts(text)
    assert out == f"the server said {mask(JWT)}!"
    assert_absent(out, JWT[10:])
    assert mask_jwts("eyJabc.eyJdef.ghi") == "eyJabc.eyJdef.ghi"  # too short to be a token


@pytest.mark.parametrize("secret", ["abcd", "abcde", CLIENT_SECRET, JWT])
def test_masks_never_contain_the_secret(secret):
    assert secret not in mask(secret)
    assert secret not in scrub(f"x{secret}x", [secret])


def test_a_secret_of_four_characters_is_masked_in_parsed_answers_too():
    assert scrub_value({"pin": "code abcd", "abcd": ["abcd"]}, ["abcd", "abc"]) == \
        {"pin": f"code {REDACTED}", REDACTED: [REDACTED]}
    assert scrub_value({"pin": "abc"}, ["abc"]) == {"pin": "abc"}  # shorter ones are not hunted


# --- every printed form of a secret, whole or cut short -----------------------------------------------
ODD = 'Zq8p\\W3n"Vx7Lér2\nTbK9m\x1b\tYc4Hd'  # a backslash, a quote, non-ASCII, a newline, ESC, a tab
OTHER_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzb21lb25lLWVsc2UiLCJleHAiOjF9.b3RoZXItc2lnbmF0dXJlLWhlcmU"


def test_the_printed_forms_of_a_secret_are_each_distinct_form_longest_first():
    assert printed_forms("abcd") == ["abcd"]
    assert printed_forms(ODD) == [
        'Zq8p\\\\W3n\\"Vx7L\\u00e9r2\\nTbK9m\\u001b\\tYc4Hd',  # JSON, ASCII only
        'Zq8p\\\\W3n"Vx7L\\xc3\\xa9r2\\nTbK9m\\x1b\\tYc4Hd',  # repr of its UTF-8 bytes
        'Zq8p\\\\W3n\\"Vx7Lér2\\nTbK9m\\u001b\\tYc4Hd',  # JSON
        'Zq8p\\\\W3n"Vx7Lér2\\nTbK9m\\x1b\\tYc4Hd',  # repr
        'Zq8p\\W3n"Vx7Lér2\\nTbK9m\\x1b\\tYc4Hd',  # the display boundary, one line
        'Zq8p\\W3n"Vx7Lér2\nTbK9m\\x1b\tYc4Hd',  # the display boundary
        ODD,
    ]
    assert printed_forms("\udcff-lone-surrogate")[-1] == "\udcff-lone-surrogate"  # never an encoding error


@pytest.mark.parametrize("index", range(7))
def test_a_secret_is_masked_whole_in_each_of_its_printed_forms(index):
    form = printed_forms(ODD)[index]
    assert scrub(f"error: {form}!", [ODD]) == "error: (redacted)!"
    assert scrub(f"{form}{form}", [ODD]) == "(redacted)(redacted)"


def test_a_secret_cut_to_twelve_characters_is_masked_and_eleven_are_not():
    assert CUT_RUN == 12
    assert scrub(f"token={CLIENT_SECRET[:12]}… (cut)", [CLIENT_SECRET]) == "token=(redacted)… (cut)"
    assert scrub(f"token={CLIENT_SECRET[:11]}… (cut)", [CLIENT_SECRET]) == f"token={CLIENT_SECRET[:11]}… (cut)"
    assert scrub(f"token={CLIENT_SECRET[:30]}", [CLIENT_SECRET]) == "token=(redacted)"
    assert scrub(CLIENT_SECRET[:12], [CLIENT_SECRET]) == "(redacted)"


def test_every_cut_copy_in_a_text_is_masked_whole():
    text = f"a {CLIENT_SECRET[:13]} b {CLIENT_SECRET[:25]}, c {CLIENT_SECRET}; d {CLIENT_SECRET[:12]}"
    assert scrub(text, [CLIENT_SECRET]) == "a (redacted) b (redacted), c (redacted); d (redacted)"


def test_a_cut_copy_in_a_printed_form_is_masked_whole():
    escaped = printed_forms(ODD)[1]  # the repr of its bytes
    assert scrub(f"got b'{escaped[:20]}...", [ODD]) == "got b'(redacted)..."
    assert scrub(f"got {printed_forms(ODD)[0][:30]}", [ODD]) == "got (redacted)"


def test_a_token_that_only_starts_like_the_secret_is_left_whole():
    """Another token that shares the secret's first characters is not a cut copy of it."""
    other = CLIENT_SECRET[:20] + "XXXXyyyyZZZZ"
    for joiner in ("", "-", "_", ".", "~", "+", "/", "=", "%"):
        text = f"id {CLIENT_SECRET[:20]}{joiner}XXXX end"
        assert scrub(text, [CLIENT_SECRET]) == text
    assert scrub(f"id {other} and {CLIENT_SECRET[:20]} end", [CLIENT_SECRET]) == f"id {other} and (redacted) end"
    assert scrub(f"{CLIENT_SECRET[:20]}:rest", [CLIENT_SECRET]) == "(redacted):rest"


@pytest.mark.parametrize("after", ["...", "... (truncated)", ".", ". Try again", "-", "=", "/ x", "%"])
def test_a_cut_copy_followed_by_punctuation_that_ends_it_is_masked(after):
    """An error message that cuts a token and adds "..." or ends its sentence shows none of it."""
    assert scrub(f"invalid token {CLIENT_SECRET[:16]}{after}", [CLIENT_SECRET]) == f"invalid token (redacted){after}"


def test_a_jwt_cut_short_is_masked_once_eight_characters_of_its_own_payload_show():
    head = JWT.index(".") + 1
    masked = mask(JWT)
    assert scrub(f"jwt {JWT[:head + 8]} …", [JWT]) == f"jwt {masked} …"
    assert scrub(f"jwt {JWT[:head + 7]} …", [JWT]) == f"jwt {JWT[:head + 7]} …"  # the shared header is no secret
    assert scrub(f"jwt {JWT[:head + 40]}", [JWT]) == f"jwt {masked}"
    # another app's token with the same header is left whole (mask_jwts masks it where files leave lp-tui)
    assert scrub(f"other {OTHER_JWT} mine {JWT}", [JWT]) == f"other {OTHER_JWT} mine {masked}"


def test_a_short_jwt_shaped_secret_needs_twelve_characters_like_any_other():
    secret = "eyJ.abcdefghijklmnop"
    assert scrub(f"x {secret[:12]} y", [secret]) == "x (redacted) y"
    assert scrub(f"x {secret[:11]} y", [secret]) == f"x {secret[:11]} y"


def test_at_one_place_the_longest_matching_form_is_masked():
    """The JSON form and the plain form share a start: the cut copy that goes on furthest is masked."""
    secret = 'abcdefghijklmn"opqrstuvwxyz'
    json_form = json.dumps(secret)[1:-1]
    assert scrub(f"[{json_form[:22]}]", [secret]) == "[(redacted)]"
    assert scrub(f"[{secret[:22]}]", [secret]) == "[(redacted)]"


# --- headers of an answer ---------------------------------------------------------------------------
def test_answer_headers_are_scrubbed_of_known_secrets_and_of_any_jwt_names_included():
    headers = {
        "Authorization": f"Bearer {JWT}",
        "X-Echo": f"token={CLIENT_SECRET}; cut={CLIENT_SECRET[:14]}",
        f"X-{CLIENT_SECRET}": "v",
        "X-Short": "key=abcd",
        "X-Unknown-Token": f"t {OTHER_JWT}",
        "Content-Length": 12,
        "Server": "sandbox",
    }
    assert scrub_headers(headers, [CLIENT_SECRET, JWT, "abcd", None, "", "abc"]) == {
        "Authorization": f"Bearer {mask(JWT)}",
        "X-Echo": "token=(redacted); cut=(redacted)",
        "X-(redacted)": "v",
        "X-Short": "key=(redacted)",
        "X-Unknown-Token": f"t {mask(OTHER_JWT)}",
        "Content-Length": 12,
        "Server": "sandbox",
    }
    assert scrub_headers({"X-Echo": "abc"}, ["abc"]) == {"X-Echo": "abc"}  # under four characters: not a secret


def test_secret_forms_are_each_secret_as_it_is_and_as_json_holds_it():
    assert secret_forms(['abc"d', "é-secret", "abc", None, ""]) == ['\\u00e9-secret', "é-secret", 'abc\\"d', 'abc"d']
    assert secret_forms(["abcd"]) == ["abcd"]


def test_a_token_that_goes_on_with_one_character_after_a_hyphen_is_left_whole():
    text = f"id {CLIENT_SECRET[:20]}-X end"
    assert scrub(text, [CLIENT_SECRET]) == text
    text = f"id {CLIENT_SECRET[:34]}XXXX"  # diverges six characters before the secret's end
    assert scrub(text, [CLIENT_SECRET]) == text


def test_a_secret_with_a_dot_or_a_jwt_start_is_cut_at_twelve_characters_like_any_other():
    dotted = "client.secret-value-1234"
    assert scrub(f"x {dotted[:12]} y", [dotted]) == "x (redacted) y"
    undotted = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9"  # a JWT's start, no dot
    assert scrub(f"x {undotted[:12]} y", [undotted]) == "x (redacted) y"


def test_a_secret_inside_a_longer_one_leaves_nothing_of_the_longer_whatever_their_alphabetical_order():
    inner = "zz-client-9"
    outer = "aaaa-zz-client-9-rest"
    assert scrub(f"<{outer}> <{inner}>", [inner, outer]) == "<(redacted)> <(redacted)>"
    assert scrub(f"<{outer}>", [outer, inner]) == "<(redacted)>"

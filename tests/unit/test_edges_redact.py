"""Masking at its edges: a secret is absent from every output, in every form it takes."""

from __future__ import annotations

import json

import pytest

from lp_tui.redact import REDACTED, mask, mask_headers, mask_jwts, scrub, scrub_body, scrub_value, secret_forms

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

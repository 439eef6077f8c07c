"""The [expect] table, the comparison, the built-in edge cases and JUnit XML, without a server."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from lp_tui.check.cases import builtin_cases, load_cases
from lp_tui.check.junit import junit_xml
from lp_tui.check.runner import FAILED, PASSED, Answer, CheckResult, case_connection, compare
from lp_tui.model.connection import Connection
from lp_tui.model.draft import FieldError
from lp_tui.model.expect import Expectation, parse_expect
from lp_tui.model.presets import PresetError, load_file, parse


def test_every_key_parses_and_second_nests_once():
    expect = parse_expect({"status": 200, "codes": ["OK", "OK"], "error_code": 40102, "message": "x",
                           "skill": "VIP Support", "conversation": True,
                           "second": {"status": 400, "message": "already has open conversation"}})
    assert expect.codes == ("OK", "OK") and expect.second == Expectation(status=400,
                                                                         message="already has open conversation")
    assert "then 400" in expect.summary()


@pytest.mark.parametrize("table,words", [
    ({"stauts": 200}, "[expect] unknown key 'stauts'; known: status, codes"),
    ({}, "[expect] expects nothing"),
    ({"status": "200"}, "[expect] status must be a whole number"),
    ({"status": True}, "[expect] status must be a whole number"),
    ({"status": 99}, "from 100 to 599"),
    ({"codes": "OK"}, "codes must be a list"),
    ({"codes": [None]}, "each code is text"),
    ({"conversation": "yes"}, "conversation must be true or false"),
    ({"message": ""}, "message must be text"),
    ({"second": {"bogus": 1}}, "[expect.second] unknown key 'bogus'"),
    ({"second": {"second": {"status": 200}}}, "only the first [expect] table may have a second send"),
    ({"second": 3}, "[expect.second] must be a table"),
])
def test_a_bad_expect_table_names_the_key(table, words):
    with pytest.raises(FieldError) as caught:
        parse_expect(table)
    assert words in str(caught.value)


def test_the_preset_loader_names_the_file_and_the_key(tmp_path):
    path = tmp_path / "edge.toml"
    path.write_text('name = "edge"\n[expect]\nstatus = 200\ncodez = ["OK"]\n')
    with pytest.raises(PresetError) as caught:
        load_file(path)
    assert str(path) in str(caught.value) and "unknown key 'codez'" in str(caught.value)


def test_a_preset_with_expect_round_trips_through_toml():
    preset = parse('name = "p"\n[expect]\nstatus = 400\n[expect.second]\nconversation = false\n')
    again = parse(preset.to_toml())
    assert again.expectation == preset.expectation == Expectation(status=400, second=Expectation(conversation=False))


def test_the_builtin_edge_cases_cover_the_issue():
    cases = builtin_cases()
    names = [c.name for c in cases]
    assert len(names) == len(set(names))
    assert {"empty-set-user-profile", "null-ttrdefname", "wrong-types-in-profile", "wrong-type-brandid",
            "unknown-account", "second-send-open-conversation"} <= set(names)
    by_name = {c.name: c for c in cases}
    assert by_name["null-ttrdefname"].preset.draft.get("conversation.ttrDefName", "absent") is None
    assert by_name["second-send-open-conversation"].expect.second.message == "already has open conversation"
    assert all(c.preset.description for c in cases)


def test_load_cases_refuses_a_preset_without_expect_and_skips_one_in_a_folder(tmp_path):
    with pytest.raises(PresetError, match="has no \\[expect\\] table"):
        load_cases(["minimal"], tmp_path)
    (tmp_path / "a.toml").write_text('name = "a"\n[expect]\nstatus = 200\n')
    (tmp_path / "b.toml").write_text('name = "b"\n')
    cases, notes = load_cases([str(tmp_path)], tmp_path / "none")
    assert [c.name for c in cases] == ["a"] and "b.toml: no [expect] table" in notes[0]
    assert [c.name for c in load_cases([], tmp_path)[0]] == [c.name for c in builtin_cases()]


def test_compare_says_what_was_expected_and_what_came():
    expect = Expectation(status=400, codes=("OK", "BAD_REQUEST"), message="already has", conversation=False,
                         skill="VIP Support", error_code=40102)
    bad, notes = compare(expect, Answer(200, ["OK", "OK"], None, "fine", "c-1", "General", sandbox=True))
    assert bad == ["status: expected 400, got 200", "codes: expected OK, BAD_REQUEST, got OK, OK",
                   "errorCode: expected 40102, got None",
                   "message: expected the answer to hold “already has”; it does not",
                   "conversation: expected none, got conversation c-1", "skill: expected VIP Support, got General"]
    bad, notes = compare(Expectation(skill="X"), Answer(200, sandbox=False))
    assert bad == [] and "only an lp-tui sandbox" in notes[0]
    bad, _ = compare(Expectation(status=200), Answer(error="domain lookup: connection refused"))
    assert bad == ["no answer to compare: domain lookup: connection refused"]
    assert compare(Expectation(status=401), Answer(status=401, error="CSDS answered 401"))[0] == []


def test_each_case_gets_a_fresh_consumer_and_no_pasted_jws():
    conn = Connection(account_id="1", ext_consumer_id="mine", consumer_jws="pasted")
    one, two = case_connection(conn), case_connection(conn)
    assert one.ext_consumer_id != two.ext_consumer_id and one.ext_consumer_id.startswith("lp-tui-check-")
    assert one.consumer_jws == "" and conn.consumer_jws == "pasted" and conn.ext_consumer_id == "mine"


def test_junit_xml_parses_even_with_hostile_text():
    ok = CheckResult("fine", "a.toml", "d", "200", state=PASSED, got="200", elapsed=0.5)
    bad = CheckResult("bad\x1b[2J\ufffe", "b.toml", "<desc> & \x00", "400", state=FAILED, got="200",
                      mismatches=["status: expected 400, got 200"], notes=["note \x07"])
    root = ET.fromstring(junit_xml([ok, bad], timestamp="2026-01-01T00:00:00"))
    suite = root.find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1" and root.get("failures") == "1"
    cases = suite.findall("testcase")
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure.get("message") == "status: expected 400, got 200" and "got: 200" in failure.text
    assert cases[1].get("name") == "bad\\x1b[2J\\ufffe" and cases[1].get("file") == "b.toml"

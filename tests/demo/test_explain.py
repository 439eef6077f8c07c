"""Why this rule: each rule in order, what matched or the first condition that did not."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lp_tui.model.routing import RulesError, Rules, explain_lines, parse_rules


def test_each_rule_says_why_it_matched_or_not():
    rules = Rules.default()
    verdicts = rules.explain({"ctype": "gold"})
    vip = next(v for v in verdicts if v.rule.name == "ctype vip routes to the VIP skill")
    assert not vip.matched and vip.why == "ctype is 'gold'; this rule wants 'vip', any case"
    last = verdicts[-1]
    assert last.chosen and last.skill == "General" and last.why == "no conditions"
    assert sum(v.chosen for v in verdicts) == 1


def test_the_first_failing_condition_is_named_and_later_matches_are_not_chosen():
    rules = parse_rules('[[rules]]\nname = "both"\nwhen = { ctype = "vip", companyBranch = "ACME" }\nskill = "A"\n'
                        '[[rules]]\nname = "vip"\nwhen = { ctype = "VIP" }\nskill = "B"\n'
                        '[[rules]]\nname = "any"\nskill = "C"\n')
    verdicts = rules.explain({"ctype": "vip", "companyBranch": "Other"})
    assert verdicts[0].why == "companyBranch is 'Other'; this rule wants 'ACME'"
    assert verdicts[1].chosen and verdicts[1].skill == "B" and verdicts[1].why == "ctype is 'vip'"
    assert verdicts[2].matched and not verdicts[2].chosen
    assert "would match, but an earlier rule was chosen" in verdicts[2].line()


def test_skill_id_minus_one_is_explained():
    verdicts = Rules.default().explain({"skillId": -1})
    assert verdicts[0].why == "skillId is -1 (any skill); this rule wants skillId present"


def test_no_rule_matched_is_said():
    rules = parse_rules('[[rules]]\nname = "vip"\nwhen = { ctype = "vip" }\nskill = "B"\n')
    assert explain_lines(rules, {})[-1] == "no rule matched: the sandbox routes to General"


def test_transfer_keys_are_checked():
    rules = parse_rules('[[rules]]\nname = "x"\nskill = "A"\ntransfer_after = 5\ntransfer_to = "B"\n')
    decision = rules.route({})
    assert (decision.transfer_to, decision.transfer_after) == ("B", 5.0)
    assert "then after 5 s -> B" in rules.describe()[0]
    with pytest.raises(RulesError, match=r"line 5: rule 1: transfer_after must be seconds"):
        parse_rules('[[rules]]\nname = "x"\nskill = "A"\ntransfer_to = "B"\ntransfer_after = "soon"\n', "r.toml")
    with pytest.raises(RulesError, match=r"transfer_to must be a skill name"):
        parse_rules('[[rules]]\nname = "x"\nskill = "A"\ntransfer_after = 5\n', "r.toml")
    with pytest.raises(RulesError, match=r"transfer_after must be seconds"):
        parse_rules('[[rules]]\nname = "x"\nskill = "A"\ntransfer_to = "B"\ntransfer_after = nan\n', "r.toml")


def test_routes_explain_prints_each_rule_for_each_preset():
    done = subprocess.run([sys.executable, "-m", "lp_tui", "routes", "--explain", "sde-ctype-gender", "minimal"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "sde-ctype-gender: routed to VIP Support" in text
    assert "  4. ctype vip routes to the VIP skill: ✓ chosen -> VIP Support (ctype is 'vip')" in text
    assert "minimal: routed to General" in text
    assert "  4. ctype vip routes to the VIP skill: ✗ (ctype is not set; this rule wants 'vip', any case)" in text
    assert text.count("1. an explicit skillId wins: ✗ (skillId is not set; this rule wants skillId present)") == 2


def test_routes_explain_json():
    done = subprocess.run([sys.executable, "-m", "lp_tui", "routes", "--explain", "--json", "sde-ctype-gender"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)[0]
    chosen = [v for v in row["explain"] if v["chosen"]]
    assert chosen == [{"rule": 4, "name": "ctype vip routes to the VIP skill", "matched": True, "chosen": True,
                       "why": "ctype is 'vip'", "skill": "VIP Support"}]

"""The routing rule engine: which skill a new conversation gets on an lp-tui sandbox, and why.

One engine, used by the sandbox to route and by the request pane to predict, so a prediction
always matches what the send then shows. Pure: no I/O beyond ``load_rules``.

Rules are TOML, first match wins::

    [[rules]]
    name = "ctype vip routes to the VIP skill"
    when = { ctype = "vip" }          # "*" means present; a list means any of them
    skill = "VIP Support"             # or "$skillId", or "$campaign" (see [campaigns])
    transfer_after = 5                # optional, on the sandbox: after 5 s the conversation moves on
    transfer_to = "Billing Specialists"   # to this skill (a transfer, as an agent's would be)

    [campaigns]
    "2739101812" = "Campaign Sales"   # campaignId -> skill name

    [skills]
    "2736637412" = "Billing Specialists"   # skillId -> skill name, for "$skillId"

A rules file is checked whole: unknown keys, a ``when`` on a fact that does not exist, a
skill that is neither a name nor ``$skillId``/``$campaign``, wrong types: a RulesError
naming the file, the line and what is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lp_tui.model import fields as F

DEFAULT_RULES_TOML = """\
# lp-tui sandbox routing rules: first match wins.
# Facts: Customer Info fields by name (ctype, companyBranch, ...), personal.<field>, profile.<field>,
# skillId, campaignId, engagementId, ttrDefName, context.type, context.lang, feature, firstMessage.

[[rules]]
name = "an explicit skillId wins"
when = { skillId = "*" }
skill = "$skillId"

[[rules]]
name = "campaign + engagement route to the campaign's skill"
when = { campaignId = "*", engagementId = "*" }
skill = "$campaign"

[[rules]]
name = "AUTO_MESSAGES goes to the bot that answers first"
when = { feature = "AUTO_MESSAGES" }
skill = "Bot Concierge"

[[rules]]
name = "ctype vip routes to the VIP skill"
when = { ctype = "vip" }
skill = "VIP Support"

[[rules]]
name = "companyBranch ACME routes to the ACME skill"
when = { companyBranch = "ACME" }
skill = "ACME Desk"

[[rules]]
name = "a known customerId goes to the account managers"
when = { customerId = "*" }
skill = "Account Managers"

[[rules]]
name = "a first message in the create batch (First message sent as: batch) goes to live chat"
when = { firstMessage = "*" }
skill = "Live Chat"

[[rules]]
name = "a profile with a first name (and nothing above) goes to onboarding"
when = { "profile.firstName" = "*" }
skill = "Onboarding"

[[rules]]
name = "otherwise any skill"
when = {}
skill = "General"

[campaigns]
"2739101812" = "Campaign Sales"
"99999" = "Web Campaign Desk"

[skills]
"2736637412" = "Billing Specialists"

# engagementId -> campaignId: what the sandbox's engagement lookup (Monitoring API) lists; a
# campaign above without one here gets an engagement id made from its own. An engagement may
# target entry points: "1234" = { campaign = "99999", entry_points = ["https://shop.example/*"] }
# (offered only to a lookup naming a matching entry point)
[engagements]
"2739121912" = "2739101812"
"888888" = "99999"
"""

CASE_INSENSITIVE = {"ctype", "cstatus"}  # LivePerson matches these case-insensitively
RULE_KEYS = ("name", "when", "skill", "transfer_after", "transfer_to")
TOP_KEYS = ("rules", "campaigns", "skills", "engagements")
TARGETS = ("$skillId", "$campaign")
MAX_RULES = 500
MAX_TRANSFER_AFTER = 3600.0  # seconds: a rule's onward transfer waits at most an hour


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file, the line and the fix."""


def known_facts() -> tuple[str, ...]:
    """Every fact a ``when`` may test, from the field table."""
    facts: list[str] = []
    for f in F.FIELDS:
        if not f.is_leaf or "*" in f.path:
            continue
        section, _, rest = f.path.partition(".")
        if section == "consumer" and "." not in rest:
            facts.append(rest)
        elif section in ("personal", "profile") and "." not in rest:
            facts.append(f"{section}.{rest}")
    facts += ["skillId", "campaignId", "engagementId", "ttrDefName", "channelType", "context.type", "context.lang",
              "feature", "firstMessage"]
    return tuple(dict.fromkeys(facts))


@dataclass(frozen=True)
class Rule:
    name: str
    when: dict[str, tuple[str, ...]]  # fact -> accepted values ("*": present)
    skill: str
    line: int = 0
    transfer_to: str = ""  # the sandbox moves the conversation on to this skill ...
    transfer_after: float = 0.0  # ... this many seconds after it opened

    def describe(self) -> str:
        cond = ", ".join(f"{k} = {' or '.join(v)}" for k, v in self.when.items()) or "always"
        onward = f", then after {self.transfer_after:g} s -> {self.transfer_to}" if self.transfer_to else ""
        return f"{self.name}: when {cond} -> {self.skill}{onward}"


@dataclass(frozen=True)
class Decision:
    skill: str
    rule: str
    index: int  # which rule (0-based); -1 when none matched
    transfer_to: str = ""  # the rule routes onward (sandbox): to this skill ...
    transfer_after: float = 0.0  # ... after this many seconds


@dataclass(frozen=True)
class Verdict:
    """One rule, for one request: did it match, and why (or the first condition that did not)."""

    number: int  # 1-based, as the rules list shows it
    rule: Rule
    matched: bool  # every condition holds
    chosen: bool  # this is the rule that routes (the first that matched)
    why: str  # "ctype is 'vip'" or "ctype is 'gold'; this rule wants 'vip'"
    skill: str = ""  # where it routes when chosen

    def line(self) -> str:
        if self.chosen:
            mark = "✓ chosen"
        elif self.matched:
            mark = "· would match, but an earlier rule was chosen"
        else:
            mark = "✗"
        target = f" -> {self.skill}" if self.chosen else ""
        return f"{self.number}. {self.rule.name}: {mark}{target} ({self.why})"


@dataclass
class Rules:
    rules: list[Rule] = field(default_factory=list)
    campaigns: dict[str, str] = field(default_factory=dict)
    skills: dict[str, str] = field(default_factory=dict)
    source: str = "built-in demo rules"
    engagements: dict[str, str] = field(default_factory=dict)  # engagementId -> campaignId
    entry_points: dict[str, tuple[str, ...]] = field(default_factory=dict)  # engagementId -> patterns it targets

    def named_skills(self) -> list[str]:
        """Every skill these rules route to by name: a rule's skill (not ``$skillId`` or
        ``$campaign``), a campaign's, and each of ``[skills]``; in that order, once each."""
        names = [r.skill for r in self.rules if not r.skill.startswith("$")]
        return list(dict.fromkeys([*names, *self.campaigns.values(), *self.skills.values()]))

    def engagements_table(self) -> dict[str, Any]:
        """``[engagements]`` as a rules file writes it (for ``/_sandbox/info`` and back)."""
        return {e: {"campaign": c, "entry_points": list(self.entry_points[e])} if e in self.entry_points else c
                for e, c in self.engagements.items()}

    @classmethod
    def default(cls) -> "Rules":
        return parse_rules(DEFAULT_RULES_TOML, "built-in demo rules")

    def route(self, facts: dict[str, Any]) -> Decision:
        """The skill for a conversation with these facts, and the rule that chose it."""
        for index, rule in enumerate(self.rules):
            if all(_matches(facts, key, wanted) for key, wanted in rule.when.items()):
                return Decision(self._target(rule.skill, facts), rule.name, index, rule.transfer_to,
                                rule.transfer_after)
        return Decision("General", "no rule matched", -1)

    def explain(self, facts: dict[str, Any]) -> list[Verdict]:
        """Every rule in order, for these facts: what matched, or the first condition that did not."""
        verdicts: list[Verdict] = []
        chosen = False
        for index, rule in enumerate(self.rules):
            failed = next((why for key, wanted in rule.when.items() if (why := _mismatch(facts, key, wanted))), "")
            matched = not failed
            first = matched and not chosen
            chosen = chosen or matched
            if matched:
                why = "; ".join(_held(facts, key, wanted) for key, wanted in rule.when.items()) or "no conditions"
            else:
                why = failed
            verdicts.append(Verdict(index + 1, rule, matched, first, why,
                                    self._target(rule.skill, facts) if first else ""))
        return verdicts

    def _target(self, skill: str, facts: dict[str, Any]) -> str:
        if skill == "$skillId":
            sid = str(facts.get("skillId"))
            return self.skills.get(sid, f"skill {sid}")
        if skill == "$campaign":
            cid = str(facts.get("campaignId"))
            return self.campaigns.get(cid, f"Campaign {cid}")
        return skill

    def describe(self) -> list[str]:
        return [f"{i + 1}. {rule.describe()}" for i, rule in enumerate(self.rules)]


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _matches(facts: dict[str, Any], key: str, wanted: tuple[str, ...]) -> bool:
    value = facts.get(key)
    if not _present(value) or (key == "skillId" and str(value) == "-1"):
        return False
    values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    for want in wanted:
        if want == "*":
            return True
        for have in values:
            if (have.lower() == want.lower()) if key in CASE_INSENSITIVE else have == want:
                return True
    return False


def _shown(value: Any) -> str:
    values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    text = ", ".join(repr(v[:60] + ("…" if len(v) > 60 else "")) for v in values[:5])
    return text + (" …" if len(values) > 5 else "")


def _wants(key: str, wanted: tuple[str, ...]) -> str:
    if "*" in wanted:
        return f"this rule wants {key} present"
    listed = " or ".join(repr(w) for w in wanted)
    case = ", any case" if key in CASE_INSENSITIVE else ""
    return f"this rule wants {listed}{case}"


def _mismatch(facts: dict[str, Any], key: str, wanted: tuple[str, ...]) -> str:
    """Why the condition ``key`` in ``wanted`` does not hold ("" when it does)."""
    if _matches(facts, key, wanted):
        return ""
    value = facts.get(key)
    if not _present(value):
        return f"{key} is not set; {_wants(key, wanted)}"
    if key == "skillId" and str(value) == "-1":
        return f"skillId is -1 (any skill); {_wants(key, wanted)}"
    return f"{key} is {_shown(value)}; {_wants(key, wanted)}"


def _held(facts: dict[str, Any], key: str, wanted: tuple[str, ...]) -> str:
    return f"{key} is {_shown(facts.get(key))}"


def explain_lines(rules: "Rules", facts: dict[str, Any]) -> list[str]:
    """The rules in order, each with why it matched or not, as lines of raw text (shown through the boundary)."""
    lines = [verdict.line() for verdict in rules.explain(facts)]
    if not any(verdict.chosen for verdict in rules.explain(facts)):
        lines.append("no rule matched: the sandbox routes to General")
    return lines


# --- facts: what a request tells the router -------------------------------------------------------
def facts_of(payload: Any, client_properties: Any = None) -> dict[str, Any]:
    """The facts of a CONVERSATION body (the batch) and its Client-Properties header value."""
    facts: dict[str, Any] = {}
    batch = payload if isinstance(payload, list) else []
    profile = batch[0].get("body") if batch and isinstance(batch[0], dict) else None
    conversation = batch[1].get("body") if len(batch) > 1 and isinstance(batch[1], dict) else None
    if isinstance(profile, dict):
        auth = profile.get("authenticatedData")
        sdes = auth.get("lp_sdes") if isinstance(auth, dict) else None
        for sde in sdes if isinstance(sdes, list) else []:
            if not isinstance(sde, dict):
                continue
            if sde.get("type") == "ctmrinfo" and isinstance(sde.get("info"), dict):
                facts.update({k: v for k, v in sde["info"].items() if _scalar(v)})
            elif sde.get("type") == "personal" and isinstance(sde.get("personal"), dict):
                facts.update({f"personal.{k}": v for k, v in sde["personal"].items() if _scalar(v)})
        facts.update({f"profile.{k}": v for k, v in profile.items() if _scalar(v)})
    if isinstance(conversation, dict):
        campaign = conversation.get("campaignInfo")
        if isinstance(campaign, dict):
            facts.update({k: campaign.get(k) for k in ("campaignId", "engagementId") if _scalar(campaign.get(k))})
        for key in ("skillId", "ttrDefName", "channelType"):
            if _scalar(conversation.get(key)):
                facts[key] = conversation[key]
        context = conversation.get("conversationContext")
        if isinstance(context, dict):
            facts.update({f"context.{k}": context[k] for k in ("type", "lang") if _scalar(context.get(k))})
    for extra in batch[2:]:
        body = extra.get("body") if isinstance(extra, dict) else None
        event = body.get("event") if isinstance(body, dict) else None
        if isinstance(event, dict) and _scalar(event.get("message")):
            facts["firstMessage"] = event["message"]
            break
    props = client_properties
    if isinstance(props, str):
        try:
            from lp_tui.limits import loads_json

            props = loads_json(props)
        except ValueError:
            props = None
    if isinstance(props, dict) and isinstance(props.get("features"), list):
        facts["feature"] = [f for f in props["features"] if isinstance(f, str)]
    return facts


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


# --- reading and checking rules files --------------------------------------------------------------
def load_rules(path: Path) -> Rules:
    from lp_tui.model import tomlio

    try:
        text = tomlio.read_text(path, 1024 * 1024, "no such rules file")
    except tomlio.TomlFileError as exc:
        raise RulesError(str(exc)) from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str = "rules") -> Rules:
    """Rules from TOML text, checked whole; RulesError names the file and line of the first problem."""
    from lp_tui.model import tomlio

    try:
        data = tomlio.loads(text, source)
    except tomlio.TomlFileError as exc:
        raise RulesError(str(exc)) from None
    lines = text.splitlines()
    headers = [i + 1 for i, line in enumerate(lines) if re.match(r"^\s*\[\[\s*rules\s*\]\]", line)]

    def where(rule: int | None = None, key: str | None = None) -> str:
        start, end = 1, len(lines)
        if rule is not None and rule < len(headers):
            start = headers[rule]
            end = headers[rule + 1] - 1 if rule + 1 < len(headers) else len(lines)
        if key is not None:
            k = re.escape(key)
            pattern = re.compile(rf"(^|[{{,\s]){k}\s*=|[\"']{k}[\"']\s*=|^\s*\[\[?\s*{k}\s*[\].]")
            for number in range(start, end + 1):
                if pattern.search(lines[number - 1]):
                    return f"{source}, line {number}"
        return f"{source}, line {start}" if rule is not None else source

    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise RulesError(f"{where(None, unknown[0])}: unknown key {unknown[0]!r}; known: {', '.join(TOP_KEYS)}")
    items = data.get("rules", [])
    if not isinstance(items, list):
        raise RulesError(f"{where(None, 'rules')}: rules must be [[rules]] tables")
    if len(items) > MAX_RULES:
        raise RulesError(f"{source}: {len(items)} rules; at most {MAX_RULES}")
    facts = known_facts()
    rules = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise RulesError(f"{where(i)}: rule {i + 1} must be a table with name, when and skill")
        for key in item:
            if key not in RULE_KEYS:
                raise RulesError(f"{where(i, key)}: rule {i + 1} has an unknown key {key!r}; "
                                 f"known: {', '.join(RULE_KEYS)}")
        name = item.get("name", f"rule {i + 1}")
        if not isinstance(name, str) or not name.strip():
            raise RulesError(f"{where(i, 'name')}: rule {i + 1}: name must be text")
        skill = item.get("skill")
        if not isinstance(skill, str) or not skill.strip():
            raise RulesError(f"{where(i, 'skill') if 'skill' in item else where(i)}: rule {i + 1} needs a skill: "
                             f"a skill name, or one of {', '.join(TARGETS)}")
        if skill.startswith("$") and skill not in TARGETS:
            raise RulesError(f"{where(i, 'skill')}: rule {i + 1}: skill {skill!r} is neither a name nor one of "
                             f"{', '.join(TARGETS)}")
        when = item.get("when", {})
        if not isinstance(when, dict):
            raise RulesError(f"{where(i, 'when')}: rule {i + 1}: when must be a table, e.g. {{ ctype = \"vip\" }}")
        checked: dict[str, tuple[str, ...]] = {}
        for fact, value in when.items():
            if fact not in facts:
                raise RulesError(f"{where(i, fact)}: rule {i + 1}: {fact!r} is not a fact the router knows; "
                                 f"known: {', '.join(facts)}")
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values):
                raise RulesError(f"{where(i, fact)}: rule {i + 1}: {fact} must be text, a number or a list of them "
                                 "(\"*\" for present)")
            checked[fact] = tuple(str(v) for v in values)
        if skill == "$skillId" and "skillId" not in checked:
            checked = {"skillId": ("*",), **checked}
        transfer_to = item.get("transfer_to", "")
        transfer_after = item.get("transfer_after")
        if "transfer_to" in item or "transfer_after" in item:
            if not isinstance(transfer_to, str) or not transfer_to.strip() or transfer_to.startswith("$"):
                raise RulesError(f"{where(i, 'transfer_to') if 'transfer_to' in item else where(i)}: rule {i + 1}: "
                                 "transfer_to must be a skill name (with transfer_after, the seconds to wait), "
                                 "e.g. transfer_to = \"Billing Specialists\"")
            if not isinstance(transfer_after, (int, float)) or isinstance(transfer_after, bool) \
                    or not 0 <= transfer_after <= MAX_TRANSFER_AFTER:
                raise RulesError(f"{where(i, 'transfer_after') if 'transfer_after' in item else where(i)}: "
                                 f"rule {i + 1}: transfer_after must be seconds, 0-{MAX_TRANSFER_AFTER:g} "
                                 "(with transfer_to), e.g. transfer_after = 5")
        rules.append(Rule(name.strip(), checked, skill.strip(), headers[i] if i < len(headers) else 0,
                          transfer_to.strip() if isinstance(transfer_to, str) else "",
                          float(transfer_after) if transfer_to and isinstance(transfer_after, (int, float)) else 0.0))
    tables: dict[str, dict[str, str]] = {}
    for key in ("campaigns", "skills"):
        table = data.get(key, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise RulesError(f"{where(None, key)}: [{key}] must map ids to skill names (text)")
        tables[key] = {str(k): v for k, v in table.items()}
    engagements, entry_points = _engagements(data.get("engagements", {}), where)
    return Rules(rules, tables["campaigns"], tables["skills"], source, engagements, entry_points)


def _engagements(table: Any, where: Any) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """``[engagements]``: engagementId = campaignId, or = { campaign = ID, entry_points = [PATTERN, …] }."""
    how = ('[engagements] maps engagement ids to campaign ids: "888888" = "99999", or "888888" = '
           '{ campaign = "99999", entry_points = ["https://shop.example/*"] }')
    if not isinstance(table, dict):
        raise RulesError(f"{where(None, 'engagements')}: {how}")
    campaigns: dict[str, str] = {}
    patterns: dict[str, tuple[str, ...]] = {}
    for engagement, value in table.items():
        if isinstance(value, dict):
            unknown = [k for k in value if k not in ("campaign", "entry_points")]
            points = value.get("entry_points", [])
            if unknown or not isinstance(value.get("campaign"), str) or not isinstance(points, list) or \
                    not all(isinstance(p, str) and p for p in points):
                raise RulesError(f"{where(None, str(engagement))}: engagement {engagement}: {how}")
            campaigns[str(engagement)] = value["campaign"]
            if points:
                patterns[str(engagement)] = tuple(points)
        elif isinstance(value, str):
            campaigns[str(engagement)] = value
        else:
            raise RulesError(f"{where(None, 'engagements')}: {how}")
    return campaigns, patterns


def rules_from_info(info: Any) -> Rules | None:
    """The rules an lp-tui sandbox reports at ``/_sandbox/info``, checked as a rules file would be."""
    if not isinstance(info, dict) or not isinstance(info.get("rules"), list):
        return None
    try:
        import tomli_w

        data = {"rules": [{k: v for k, v in r.items() if k in RULE_KEYS} for r in info["rules"] if isinstance(r, dict)],
                "campaigns": info.get("campaigns") or {}, "skills": info.get("skills") or {},
                "engagements": info.get("engagements") or {}}
        source = str(info.get("rules_source") or "the sandbox's rules")[:200]
        return parse_rules(tomli_w.dumps(data), source)
    except (RulesError, TypeError, ValueError):
        return None


def driving_facts(facts: dict[str, Any], rules: Rules) -> dict[str, str]:
    """The facts of a request that some rule tests: what drives its routing, for tables and demos."""
    tested = {key for rule in rules.rules for key in rule.when}
    out = {}
    for key in sorted(tested):
        if _present(facts.get(key)):
            value = facts[key]
            out[key] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return out

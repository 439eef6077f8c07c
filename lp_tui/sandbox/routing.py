"""Routing simulation for demos: ordered rules decide which skill a new conversation gets.

Rules are TOML (``[[rules]]`` with ``name``, ``when`` and ``skill``). A ``when`` value of
``"*"`` means "present"; ``ctype`` matches case-insensitively, as LivePerson's does.
``skill = "$skillId"`` routes to the request's own skillId; ``"$campaign"`` to the
campaign's skill from the ``[campaigns]`` table (or "Campaign <id>").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_RULES_TOML = """\
# lp-tui sandbox routing rules: first match wins.

[[rules]]
name = "an explicit skillId wins"
when = { skillId = "*" }
skill = "$skillId"

[[rules]]
name = "campaign + engagement route to the campaign's skill"
when = { campaignId = "*", engagementId = "*" }
skill = "$campaign"

[[rules]]
name = "ctype vip routes to the VIP skill"
when = { ctype = "vip" }
skill = "VIP Support"

[[rules]]
name = "companyBranch ACME routes to the ACME skill"
when = { companyBranch = "ACME" }
skill = "ACME Desk"

[[rules]]
name = "otherwise any skill"
when = {}
skill = "General"

[campaigns]
"2739101812" = "Campaign Sales"
"""

CASE_INSENSITIVE = {"ctype", "cstatus"}


@dataclass
class Rule:
    name: str
    when: dict[str, str]
    skill: str


@dataclass
class Rules:
    rules: list[Rule] = field(default_factory=list)
    campaigns: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, source: str = "rules") -> "Rules":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{source}: malformed TOML: {exc}") from None
        rules = []
        for i, item in enumerate(data.get("rules", [])):
            if not isinstance(item, dict) or not isinstance(item.get("skill"), str):
                raise ValueError(f"{source}: rule {i + 1} needs a skill (a string)")
            when = item.get("when", {})
            if not isinstance(when, dict):
                raise ValueError(f"{source}: rule {i + 1}: when must be a table")
            rules.append(Rule(str(item.get("name", f"rule {i + 1}")), {k: str(v) for k, v in when.items()}, item["skill"]))
        campaigns = {str(k): str(v) for k, v in data.get("campaigns", {}).items()}
        return cls(rules, campaigns)

    @classmethod
    def default(cls) -> "Rules":
        return cls.parse(DEFAULT_RULES_TOML, "default rules")

    def route(self, facts: dict[str, Any]) -> tuple[str, str]:
        """(skill, rule name) for a conversation with these facts."""
        for rule in self.rules:
            if all(_matches(facts, key, want) for key, want in rule.when.items()):
                return self._target(rule.skill, facts), rule.name
        return "General", "no rule matched"

    def _target(self, skill: str, facts: dict[str, Any]) -> str:
        if skill == "$skillId":
            return f"skill {facts.get('skillId')}"
        if skill == "$campaign":
            cid = str(facts.get("campaignId"))
            return self.campaigns.get(cid, f"Campaign {cid}")
        return skill


def _matches(facts: dict[str, Any], key: str, want: str) -> bool:
    value = facts.get(key)
    if value is None or value == "" or (key == "skillId" and str(value) == "-1"):
        return False
    if want == "*":
        return True
    if key in CASE_INSENSITIVE:
        return str(value).lower() == want.lower()
    return str(value) == want


def facts_of(profile_body: Any, conversation_body: Any) -> dict[str, Any]:
    """What rules can match on: ctmrinfo fields, campaign info and skillId."""
    facts: dict[str, Any] = {}
    if isinstance(profile_body, dict):
        sdes = (profile_body.get("authenticatedData") or {}).get("lp_sdes") if isinstance(
            profile_body.get("authenticatedData"), dict) else None
        for sde in sdes if isinstance(sdes, list) else []:
            if isinstance(sde, dict) and sde.get("type") == "ctmrinfo" and isinstance(sde.get("info"), dict):
                facts.update({k: v for k, v in sde["info"].items() if isinstance(v, (str, int, float))})
    if isinstance(conversation_body, dict):
        campaign = conversation_body.get("campaignInfo")
        if isinstance(campaign, dict):
            facts.update({k: campaign.get(k) for k in ("campaignId", "engagementId") if k in campaign})
        if "skillId" in conversation_body:
            facts["skillId"] = conversation_body["skillId"]
    return facts

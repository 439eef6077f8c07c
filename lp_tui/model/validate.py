"""The validator: findings about a request body. It never blocks building or sending.

It reads the built payload (so it checks raw-mode bodies too) and maps each finding back
to a draft field where there is one, so the UI can jump to it.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from typing import Any, Iterator, TypeGuard

from lp_tui.model import fields as F
from lp_tui.model.build import PUBLISH_EVENT, REQUEST_CONVERSATION, SET_USER_PROFILE

ERROR, WARNING, INFO = "error", "warning", "info"
LEVEL_RANK = {ERROR: 0, WARNING: 1, INFO: 2}

MAX_REQUEST_CHARS = 5000
MAX_CLIENT_PROPERTY = 64  # the Client-Properties schema caps most strings at 32-64 characters


@dataclass(frozen=True)
class Finding:
    level: str
    path: str  # JSON path into the body, e.g. $[0].body.authenticatedData.lp_sdes[0].info.ctype
    message: str
    hint: str = ""
    field: str | None = None  # the draft field, for jumping to it in the forms

    def line(self) -> str:
        where = self.field or self.path
        text = f"{self.level}: {where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Checker:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, level: str, path: str, message: str, hint: str = "", field: str | None = None) -> None:
        self.findings.append(Finding(level, path, message, hint, field))

    # --- typed leaves --------------------------------------------------------------------
    def leaf(self, spec: F.Field, value: Any, path: str, field: str) -> None:
        if spec.nullable and value is None:
            return
        if spec.kind in (F.STRING, F.ENUM):
            if not isinstance(value, str):
                self.add(WARNING, path, f"{spec.label} should be a string, not {_type_name(value)}",
                         f"send it as \"{value}\"" if _is_number(value) else f"e.g. {spec.example!r}", field)
                return
            if spec.section == "clientProperties" and len(value) > MAX_CLIENT_PROPERTY:
                self.add(WARNING, path, f"{spec.label} is {len(value)} characters",
                         f"the Client-Properties schema caps it at {MAX_CLIENT_PROPERTY} or fewer", field)
            if value != value.strip():
                self.add(WARNING, path, f"{spec.label} has leading or trailing white space", "trim it unless that is the test", field)
            if spec.enum and value not in spec.enum:
                level = WARNING
                hint = "allowed: " + ", ".join(spec.enum) + (", or null" if spec.nullable else "")
                if value.upper() in spec.enum:
                    hint = f"did you mean {value.upper()!r}? " + hint
                self.add(level, path, f"{spec.label}: {value!r} is not a documented value", hint, field)
            elif spec.path == "conversation.ttrDefName" and value == "CUSTOM":
                self.add(INFO, path, "ttrDefName CUSTOM is listed only by older docs", "NORMAL, URGENT or PRIORITIZED are current", field)
        elif spec.kind == F.INTEGER:
            if not _is_int(value):
                self.add(WARNING, path, f"{spec.label} should be an integer, not {_type_name(value)}",
                         f"e.g. {spec.example}", field)
        elif spec.kind == F.NUMBER:
            if not _is_number(value):
                self.add(WARNING, path, f"{spec.label} should be a number, not {_type_name(value)}", f"e.g. {spec.example}", field)
        elif spec.kind == F.STRING_LIST:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.add(WARNING, path, f"{spec.label} should be a list of strings", f"e.g. [{spec.example!r}]", field)
            else:
                for i, item in enumerate(value):
                    if spec.enum and item not in spec.enum:
                        self.add(WARNING, f"{path}[{i}]", f"{spec.label}: {item!r} is not a documented value",
                                 "allowed: " + ", ".join(spec.enum), field)

    def obj(self, value: Any, pattern: str, path: str, field: str, unknown_level: str = WARNING) -> None:
        """Check each key of an object against the field table, recursively."""
        spec = F.BY_PATH.get(pattern)
        label = spec.label if spec else pattern
        if not isinstance(value, dict):
            self.add(WARNING, path, f"{label} should be an object, not {_type_name(value)}", "", field)
            return
        for key, child in value.items():
            child_pattern = f"{pattern}.{key}"
            child_path = f"{path}.{key}"
            child_field = f"{field}.{key}"
            child_spec = F.BY_PATH.get(child_pattern)
            if child_spec is None:
                self.add(unknown_level, child_path, f"{key!r} is not a documented field of {label}",
                         "known: " + ", ".join(F.child_order(pattern)), child_field)
            elif child_spec.is_composite:
                self.obj(child, child_pattern, child_path, child_field)
            elif child_spec.kind == F.LIST:
                if not isinstance(child, list):
                    self.add(WARNING, child_path, f"{child_spec.label} should be a list, not {_type_name(child)}", "", child_field)
                else:
                    for i, item in enumerate(child):
                        self.obj(item, f"{child_pattern}.*", f"{child_path}[{i}]", f"{child_field}.{i}")
            else:
                self.leaf(child_spec, child, child_path, child_field)
        self.formats(value, pattern, path, field)
        if spec is not None and spec.kind == F.DATE:
            self.date(value, path, field, required=True)
        self.rules(value, pattern, path, field)

    def formats(self, value: dict[str, Any], pattern: str, path: str, field: str) -> None:
        """What the field table says of each field of the object, in the table's order: a string
        against its format; a field documented as unsupported."""
        for key in F.child_order(pattern):
            if key not in value:
                continue
            spec = F.BY_PATH[f"{pattern}.{key}"]
            text = value[key]
            if spec.format is not None and isinstance(text, str):
                problem = spec.format.check(text)
                if problem is not None:
                    self.add(WARNING, f"{path}.{key}", problem, spec.format.hint, f"{field}.{key}")
            if spec.unsupported:
                self.add(WARNING, f"{path}.{key}", f"{key} is documented as not supported in the authenticated flow",
                         "LivePerson is likely to ignore it", f"{field}.{key}")

    # --- rules across the fields of one object ------------------------------------------------
    def rules(self, value: dict[str, Any], pattern: str, path: str, field: str) -> None:
        if pattern == "personal.age":
            self.date(value, path, field, required=False)
            age = value.get("age")
            if _is_int(age) and not 0 <= age <= 150:
                self.add(WARNING, f"{path}.age", f"age {age} is out of range", "use 0-150", f"{field}.age")
        elif pattern == "consumer":
            if "currency" in value and "balance" not in value:
                self.add(INFO, f"{path}.currency", "currency is set without a balance", "", f"{field}.currency")

    def date(self, value: dict[str, Any], path: str, field: str, required: bool) -> None:
        parts = {k: value.get(k) for k in F.DATE_PARTS}
        if required:
            missing = [k for k, v in parts.items() if k not in value]
            if missing:
                self.add(WARNING, path, f"date is missing {', '.join(missing)}",
                         "the schema requires day, month and year together", field)
        year, month, day = parts["year"], parts["month"], parts["day"]
        if _is_int(month) and not 1 <= month <= 12:
            self.add(WARNING, f"{path}.month", f"month {month} is out of range", "use 1-12", f"{field}.month")
        if _is_int(year) and not 1900 <= year <= 2100:
            self.add(WARNING, f"{path}.year", f"year {year} looks wrong", "use a year from 1900 to 2100",
                     f"{field}.year")
        if _is_int(day):
            last = 31
            if _is_int(month) and 1 <= month <= 12:
                last = calendar.monthrange(year if _is_int(year) and 1 <= year <= 9999 else 2000, month)[1]
            if not 1 <= day <= last:
                self.add(WARNING, f"{path}.day", f"day {day} is out of range", f"use 1-{last}", f"{field}.day")


def validate(
    payload: Any,
    account_id: str | None = None,
    client_properties: Any = None,
    first_message: Any = None,
) -> list[Finding]:
    """Findings about a CONVERSATION body, most severe first.

    ``first_message`` is ``build.first_message_facts(draft)`` (text, how, id): a first message sent
    after the create (the default) is not in the body, so it is checked from there."""
    c = _Checker()
    if not isinstance(payload, list):
        c.add(ERROR, "$", f"the body must be a JSON array of requests, not {_type_name(payload)}",
              "CONVERSATION is a batch endpoint: [SetUserProfile, ConsumerRequestConversation]")
        return c.findings
    if len(payload) < 2:
        c.add(ERROR, "$", f"the batch has {len(payload)} request(s); it needs at least two",
              "SetUserProfile first, ConsumerRequestConversation second")
    seen_ids: dict[str, int] = {}
    for i, env in enumerate(payload):
        _envelope(c, env, i, seen_ids)
    if payload and isinstance(payload[0], dict) and payload[0].get("type") != SET_USER_PROFILE:
        c.add(ERROR, "$[0].type", "SetUserProfile is not first",
              "LivePerson requires userprofile.SetUserProfile as element 1 (its body may be {})")
    if len(payload) >= 2 and isinstance(payload[1], dict) and payload[1].get("type") != REQUEST_CONVERSATION:
        c.add(ERROR, "$[1].type", "ConsumerRequestConversation is not second",
              "element 2 must be cm.ConsumerRequestConversation")
    for i, env in enumerate(payload):
        if not isinstance(env, dict) or not isinstance(env.get("body"), dict):
            continue
        if env.get("type") == SET_USER_PROFILE:
            _profile(c, env["body"], f"$[{i}].body")
        elif env.get("type") == REQUEST_CONVERSATION:
            _conversation(c, env["body"], f"$[{i}].body", account_id)
        elif i >= 2:
            _extra_request(c, env, i)
    if client_properties is not None:
        c.obj(client_properties, "clientProperties", "Client-Properties", "clientProperties")
    _first_message_after(c, first_message)
    c.findings.sort(key=lambda f: LEVEL_RANK[f.level])
    return c.findings


def _request_id(c: _Checker, rid: Any, path: str, field: str | None) -> None:
    if not isinstance(rid, str):
        c.add(WARNING, path, f"id should be a string, not {_type_name(rid)}", f"e.g. \"{rid}\"", field)
    elif not 1 <= len(rid) <= 64:
        c.add(WARNING, path, f"id is {len(rid)} characters; the schema allows 1-64", "", field)
    elif rid != rid.strip():
        c.add(WARNING, path, "id has leading or trailing white space", "trim it unless that is the test", field)


def _envelope(c: _Checker, env: Any, i: int, seen_ids: dict[str, int]) -> None:
    path = f"$[{i}]"
    if not isinstance(env, dict):
        c.add(ERROR, path, f"request {i + 1} must be an object, not {_type_name(env)}")
        return
    if env.get("kind") != "req":
        c.add(ERROR, f"{path}.kind", f"kind is {env.get('kind')!r}; client requests use \"req\"")
    id_field = {0: "ids.profile", 1: "ids.conversation", 2: "ids.message"}.get(i)
    if "id" not in env:
        c.add(WARNING, f"{path}.id", "the request has no id", "LivePerson echoes it back as reqId", id_field)
    else:
        rid = env["id"]
        _request_id(c, rid, f"{path}.id", id_field)
        key = json.dumps(rid)
        if key in seen_ids:
            c.add(INFO, f"{path}.id", f"id {rid!r} repeats request {seen_ids[key] + 1}'s id",
                  "responses are matched by position, so this works, but reqId will not tell them apart", id_field)
        seen_ids.setdefault(key, i)
    if not isinstance(env.get("body"), dict):
        c.add(ERROR, f"{path}.body", "the request has no body object")
    try:
        size = len(json.dumps(env, ensure_ascii=False, separators=(",", ":")))
    except (TypeError, ValueError):
        size = 0
    if size > MAX_REQUEST_CHARS:
        c.add(INFO, path, f"request {i + 1} is {size} characters",
              f"SEND requests are capped at {MAX_REQUEST_CHARS}; whether CONVERSATION is too is not documented")


def _profile(c: _Checker, body: dict[str, Any], path: str) -> None:
    profile = {k: v for k, v in body.items() if k != "authenticatedData"}
    if profile:
        c.obj(profile, "profile", path, "profile")
    auth = body.get("authenticatedData")
    if auth is None:
        if not profile:
            c.add(INFO, path, "no SDEs and no profile: the agent sees no consumer info",
                  "fill Customer Info, Personal Info or Profile")
        return
    if not isinstance(auth, dict) or not isinstance(auth.get("lp_sdes"), list):
        c.add(ERROR, f"{path}.authenticatedData", "authenticatedData must be {\"lp_sdes\": [...]}")
        return
    for key in auth:
        if key != "lp_sdes":
            c.add(WARNING, f"{path}.authenticatedData.{key}", f"{key!r} is not documented in authenticatedData",
                  "only lp_sdes is")
    seen: set[Any] = set()
    for j, sde in enumerate(auth["lp_sdes"]):
        spath = f"{path}.authenticatedData.lp_sdes[{j}]"
        if not isinstance(sde, dict):
            c.add(ERROR, spath, f"an SDE must be an object, not {_type_name(sde)}")
            continue
        kind = sde.get("type")
        known: dict[Any, tuple[str, str]] = {"ctmrinfo": ("consumer", "info"), "personal": ("personal", "personal")}
        if kind not in known:
            c.add(ERROR, f"{spath}.type", f"SDE type {kind!r} is not supported for sending here",
                  "the Connector API accepts only ctmrinfo and personal")
            continue
        section, key = known[kind]
        if kind in seen:
            c.add(WARNING, spath, f"a second {kind} SDE", "whether LivePerson takes both is not documented")
        seen.add(kind)
        for extra in sde:
            if extra not in ("type", key, "auth"):
                c.add(WARNING, f"{spath}.{extra}", f"{extra!r} is not documented in a {kind} SDE",
                      f"known: type, {key}, auth")
        c.obj(sde.get(key, {}), section, f"{spath}.{key}", section)
        if "auth" in sde:
            c.obj(sde["auth"], f"{section}.auth", f"{spath}.auth", f"{section}.auth")


def _extra_request(c: _Checker, env: Any, i: int) -> None:
    """Requests after the second: only a first message (a text ms.PublishEvent) was ever documented."""
    path = f"$[{i}]"
    if not isinstance(env, dict):
        return
    if env.get("type") != PUBLISH_EVENT:
        c.add(WARNING, f"{path}.type", f"request {i + 1} ({env.get('type')!r}) is not documented in a create batch",
              "only a first message (ms.PublishEvent) was, by the oldest docs")
        return
    field = "firstMessage.how" if i == 2 else None
    body = env.get("body")
    if not isinstance(body, dict) or "dialogId" not in body:
        c.add(WARNING, f"{path}.body.dialogId", "dialogId is required by ms.PublishEvent (LivePerson's schema "
              "ms/PublishEvent.json), and a conversation that is being created has none yet",
              "send the first message after the create (First message sent as: send); only the oldest create "
              "page shows it in the batch", field)
    else:
        c.add(INFO, path, "a first message in the create call is documented only by LivePerson's oldest create page",
              "the current pages send it after the create, as a SEND", field)
    event = body.get("event") if isinstance(body, dict) else None
    if not isinstance(event, dict) or event.get("type") != "ContentEvent":
        c.add(WARNING, f"{path}.body.event", "the event should be a ContentEvent",
              '{"type": "ContentEvent", "contentType": "text/plain", "message": "..."}')
    elif not isinstance(event.get("message"), str):
        c.add(WARNING, f"{path}.body.event.message", "the message should be text", "", "firstMessage.text" if i == 2 else None)
    elif i == 2:
        c.leaf(F.BY_PATH["firstMessage.text"], event["message"], f"{path}.body.event.message", "firstMessage.text")


def _first_message_after(c: _Checker, section: Any) -> None:
    """The draft's first message when it goes after the create, as a SEND (it is not in the batch)."""
    if not isinstance(section, dict):
        return
    if "how" in section:
        c.leaf(F.BY_PATH["firstMessage.how"], section["how"], "firstMessage.how", "firstMessage.how")
    how = section.get("how")
    if "text" not in section or (isinstance(how, str) and how.strip().lower() == "batch"):
        return
    path = "SEND $.body.event.message"
    c.add(INFO, path, "the first message is published right after the create, as a SEND whose dialogId is the "
          "new conversationId", "one more step; set First message sent as: batch to put it in the create call",
          "firstMessage.text")
    if "id" in section:
        _request_id(c, section["id"], "SEND $.id", "ids.message")
    value = section["text"]
    if not isinstance(value, str):
        c.add(WARNING, path, "the message should be text", "", "firstMessage.text")
    else:
        c.leaf(F.BY_PATH["firstMessage.text"], value, path, "firstMessage.text")


def _conversation(c: _Checker, body: dict[str, Any], path: str, account_id: str | None) -> None:
    c.obj(body, "conversation", path, "conversation")
    brand = body.get("brandId")
    if "brandId" not in body:
        c.add(ERROR, f"{path}.brandId", "brandId is missing; it is required",
              "set an account id, or fill Brand id", "conversation.brandId")
    elif account_id and brand != account_id:
        c.add(WARNING, f"{path}.brandId", f"brandId {brand!r} differs from the account {account_id!r}",
              "LivePerson expects the account (site) id", "conversation.brandId")
    if "channelType" not in body:
        c.add(INFO, f"{path}.channelType", "channelType is omitted",
              "the newest docs mark it mandatory; older ones optional: MESSAGING is safe", "conversation.channelType")
    campaign = body.get("campaignInfo")
    if isinstance(campaign, dict):
        has_c, has_e = "campaignId" in campaign, "engagementId" in campaign
        if has_c and not has_e:
            c.add(WARNING, f"{path}.campaignInfo", "campaignId without engagementId",
                  "campaign routing needs both", "conversation.campaignInfo.engagementId")
        if has_e and not has_c:
            c.add(WARNING, f"{path}.campaignInfo", "engagementId without campaignId",
                  "campaign routing needs both", "conversation.campaignInfo.campaignId")
    if "skillId" in body and isinstance(campaign, dict) and campaign:
        c.add(INFO, f"{path}.skillId", "both skillId and campaignInfo are set", "the docs prefer campaign routing",
              "conversation.skillId")


def iter_levels(findings: list[Finding]) -> Iterator[tuple[str, int]]:
    for level in (ERROR, WARNING, INFO):
        yield level, sum(1 for f in findings if f.level == level)


def summary(findings: list[Finding]) -> str:
    parts = [f"{n} {level}{'s' if n != 1 else ''}" for level, n in iter_levels(findings) if n]
    return ", ".join(parts) if parts else "no findings"


# --- SEND bodies (after the create) ------------------------------------------------------------------------
# Derived from LivePerson's JSON schemas: infra/req.json (the envelope and its metadata), ms/PublishEvent.json,
# ms/AbstractMessagingEvent.json (text, hosted file, rich content, chat state, receipt), ms/ChatStateEvent.json,
# ms/AcceptStatusEvent.json, cm/updateConversationFieldBody.json, cm/types/StateChange.json and TTRChange.json,
# infra/metadata/Metadata.json. Findings only: a SEND is sent whatever they say.
SEND_TYPES = ("ms.PublishEvent", "cm.UpdateConversationField", "userprofile.SetUserProfile",
              "ms.GenerateURLForUploadFile", "ms.GenerateURLForDownloadFile")
SEND_CHAT_STATES = ("ACTIVE", "INACTIVE", "GONE", "COMPOSING", "PAUSE")
SEND_STATUSES = ("ACCEPT", "READ", "ACCESS", "NACK", "ACTION")
SEND_TTR_TYPES = ("CUSTOM", "NORMAL", "PRIORITIZED", "URGENT")
SEND_FIELDS = ("ConversationStateField", "TTRField", "ParticipantsChange", "SkillChange", "CSATRate", "DialogChange")
METADATA_TYPES = ("ActionReason", "BotResponse", "IBMWatsonInfo", "ExternalId")


def validate_send(request: Any) -> list[Finding]:
    """Findings about one SEND body (``…/conversation/send``), most severe first: the envelope, the event
    or conversation field, the metadata, the 5000-character cap. Paths are JSON paths from ``$``."""
    c = _Checker()
    if isinstance(request, list):
        c.add(ERROR, "$", "SEND takes one request object, not an array",
              "SEND is not a batch endpoint: send each request on its own")
        return c.findings
    if not isinstance(request, dict):
        c.add(ERROR, "$", f"the body must be a JSON object (one request), not {_type_name(request)}",
              '{"kind": "req", "id": "1", "type": "ms.PublishEvent", "body": {...}}')
        return c.findings
    if request.get("kind") != "req":
        c.add(WARNING, "$.kind", f"kind is {request.get('kind')!r}; client requests use \"req\"")
    if "id" not in request:
        c.add(ERROR, "$.id", "the request has no id; LivePerson's schema (infra/req.json) requires it",
              "LivePerson echoes it back as reqId")
    else:
        _request_id(c, request["id"], "$.id", None)
    kind = request.get("type")
    if not isinstance(kind, str):
        c.add(ERROR, "$.type", "the request has no type; LivePerson's schema requires it",
              "ms.PublishEvent or cm.UpdateConversationField")
    elif kind not in SEND_TYPES:
        c.add(WARNING, "$.type", f"type {kind!r} is not a request LivePerson lists for SEND",
              "ms.PublishEvent (messages, chat states, receipts) or cm.UpdateConversationField (close, TTR)")
    body = request.get("body")
    if not isinstance(body, dict):
        c.add(ERROR, "$.body", "the request has no body object")
    elif kind == PUBLISH_EVENT:
        _send_publish(c, body)
    elif kind == "cm.UpdateConversationField":
        _send_update(c, body)
    if "metadata" in request:
        _send_metadata(c, request["metadata"])
    try:
        size = len(json.dumps(request, ensure_ascii=False, separators=(",", ":")))
    except (TypeError, ValueError):
        size = 0
    if size > MAX_REQUEST_CHARS:
        c.add(WARNING, "$", f"the request is {size} characters",
              f"LivePerson refuses SEND requests over {MAX_REQUEST_CHARS} characters with 400 Bad Request")
    c.findings.sort(key=lambda f: LEVEL_RANK[f.level])
    return c.findings


def _send_publish(c: _Checker, body: dict[str, Any]) -> None:
    if not isinstance(body.get("dialogId"), str):
        c.add(ERROR, "$.body.dialogId", "dialogId " + ("is missing" if "dialogId" not in body else
              f"should be a string, not {_type_name(body['dialogId'])}") + "; ms.PublishEvent requires it",
              "the conversationId of the main dialog")
    if "conversationId" in body and not isinstance(body["conversationId"], str):
        c.add(WARNING, "$.body.conversationId", f"conversationId should be a string, not "
              f"{_type_name(body['conversationId'])}")
    event = body.get("event")
    if not isinstance(event, dict):
        c.add(ERROR, "$.body.event", "event " + ("is missing" if "event" not in body else "should be an object")
              + "; ms.PublishEvent requires it", '{"type": "ContentEvent", "contentType": "text/plain", '
              '"message": "..."}')
        return
    kind = event.get("type")
    path = "$.body.event"
    if kind == "ChatStateEvent":
        state = event.get("chatState")
        if state not in SEND_CHAT_STATES:
            hint = "one of " + ", ".join(SEND_CHAT_STATES)
            if isinstance(state, str) and state.upper() in SEND_CHAT_STATES:
                hint = f"did you mean {state.upper()!r}? " + hint
            c.add(ERROR, f"{path}.chatState", f"chatState {state!r} is not one of LivePerson's chat states", hint)
    elif kind == "AcceptStatusEvent":
        status = event.get("status")
        if status not in SEND_STATUSES:
            hint = "one of " + ", ".join(SEND_STATUSES)
            if isinstance(status, str) and status.upper() in SEND_STATUSES:
                hint = f"did you mean {status.upper()!r}? " + hint
            c.add(ERROR, f"{path}.status", f"status {status!r} is not one of LivePerson's receipt statuses", hint)
        seqs = event.get("sequenceList")
        if not isinstance(seqs, list):
            c.add(ERROR, f"{path}.sequenceList", "sequenceList " + ("is missing" if "sequenceList" not in event
                  else f"should be a list, not {_type_name(seqs)}") + "; AcceptStatusEvent requires it",
                  "the sequences of the agent's messages, e.g. [1, 2]")
        else:
            for i, seq in enumerate(seqs[:1000]):
                if not _is_int(seq):
                    c.add(ERROR, f"{path}.sequenceList[{i}]", f"a sequence should be an integer, not "
                          f"{_type_name(seq)}", f"e.g. {seq}" if isinstance(seq, str) and seq.isdigit() else "")
                elif seq < 0:
                    c.add(WARNING, f"{path}.sequenceList[{i}]", f"sequence {seq} is negative",
                          "sequences count from 0")
            if not seqs:
                c.add(WARNING, f"{path}.sequenceList", "sequenceList is empty: the receipt names no message")
    elif kind == "ContentEvent":
        content_type = event.get("contentType")
        message = event.get("message")
        if not isinstance(content_type, str):
            c.add(ERROR, f"{path}.contentType", "contentType is missing; a ContentEvent requires it",
                  "text/plain for text")
        if content_type == "hosted/file":
            if not isinstance(message, dict):
                c.add(ERROR, f"{path}.message", "a hosted file's message should be an object",
                      "{caption, relativePath, fileType, preview}")
        elif not isinstance(message, str):
            c.add(ERROR, f"{path}.message", "message " + ("is missing" if "message" not in event else
                  f"should be text, not {_type_name(message)}") + "; a text ContentEvent requires it")
        elif not message.strip():
            c.add(WARNING, f"{path}.message", "the message is empty")
    elif kind == "RichContentEvent":
        if not isinstance(event.get("content"), dict):
            c.add(ERROR, f"{path}.content", "a RichContentEvent needs its content object")
    else:
        c.add(ERROR, f"{path}.type", f"event type {kind!r} is not one LivePerson's schema lists",
              "ContentEvent, RichContentEvent, ChatStateEvent or AcceptStatusEvent")


def _send_update(c: _Checker, body: dict[str, Any]) -> None:
    if not isinstance(body.get("conversationId"), str):
        c.add(ERROR, "$.body.conversationId", "conversationId is missing or not a string; "
              "cm.UpdateConversationField requires it")
    fields = body.get("conversationField")
    if isinstance(fields, dict):
        c.add(INFO, "$.body.conversationField", "conversationField is one object: LivePerson's connector pages "
              "send it so, its schema has an array of them", "both forms are in LivePerson's documents")
        fields = [fields]
    if not isinstance(fields, list) or not fields:
        c.add(ERROR, "$.body.conversationField", "conversationField is missing or empty; it is required",
              '[{"field": "TTRField", "ttrType": "URGENT", "value": 300}]')
        return
    for i, item in enumerate(fields[:100]):
        path = f"$.body.conversationField[{i}]"
        if not isinstance(item, dict):
            c.add(ERROR, path, f"a conversation field should be an object, not {_type_name(item)}")
            continue
        name = item.get("field")
        if name not in SEND_FIELDS:
            c.add(ERROR, f"{path}.field", f"field {name!r} is not one LivePerson's schema lists",
                  "one of " + ", ".join(SEND_FIELDS))
        elif name == "ConversationStateField" and item.get("conversationState") != "CLOSE":
            c.add(ERROR, f"{path}.conversationState", f"conversationState {item.get('conversationState')!r}: "
                  "the only value is CLOSE")
        elif name == "TTRField":
            if item.get("ttrType") not in SEND_TTR_TYPES:
                c.add(ERROR, f"{path}.ttrType", f"ttrType {item.get('ttrType')!r} is not one of LivePerson's",
                      "one of " + ", ".join(SEND_TTR_TYPES))
            value = item.get("value")
            if not _is_int(value) or value < 0:
                c.add(ERROR, f"{path}.value", "value " + ("is missing" if "value" not in item else
                      f"{value!r} should be a whole number of seconds, 0 or more") + "; TTRField requires it",
                      "e.g. 300")


def _send_metadata(c: _Checker, metadata: Any) -> None:
    if not isinstance(metadata, list):
        c.add(ERROR, "$.metadata", f"metadata should be a list of objects, not {_type_name(metadata)}",
              '[{"type": "ExternalId", "id": "order-1234"}]')
        return
    for i, item in enumerate(metadata[:100]):
        path = f"$.metadata[{i}]"
        if not isinstance(item, dict):
            c.add(ERROR, path, f"a metadata item should be an object, not {_type_name(item)}")
        elif not isinstance(item.get("type"), str):
            c.add(ERROR, f"{path}.type", "a metadata item needs its type")
        elif item["type"] == "Answer":
            c.add(INFO, f"{path}.type", "Answer metadata (a quick reply's) is not in LivePerson's metadata schema; "
                  "its survey tutorial sends it", "send it back as the button's click carried it")
        elif item["type"] not in METADATA_TYPES:
            c.add(WARNING, f"{path}.type", f"metadata type {item['type']!r} is not in LivePerson's metadata schema",
                  "one of " + ", ".join(METADATA_TYPES))
        elif item["type"] == "ExternalId" and not isinstance(item.get("id"), str):
            c.add(ERROR, f"{path}.id", "ExternalId metadata needs its id (a string of up to 64 characters)")

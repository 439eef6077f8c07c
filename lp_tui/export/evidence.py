"""Evidence of one send, for a bug report: as data (JSON) and as Markdown.

From a send's result (the app after a send, ``lp-tui send --evidence``), from a failed send
(an LpError and the steps it took) or from a history entry. It says when, which profile and
account, the request (method, URL, masked headers, body), the validator's findings, each step
with its timing, the answer (status, headers, body, each sub-request), the explanations and,
on a sandbox, where the conversation was routed. No secret: headers are masked, the body's
push token is masked, and anything shaped like a JWT is masked (``export.clean``).

Markdown is built for being pasted into a tracker: outside text in prose is one line with
Markdown's special characters escaped, and bodies sit in fences longer than any run of
backticks they hold; characters a terminal would obey are shown as escapes.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from lp_tui import __version__
from lp_tui.export import clean
from lp_tui.lp.results import StepCode
from lp_tui.text import safe, safe_json

ACCOUNT_IN_URL = re.compile(r"/api/account/([^/?#]+)/")
NO_ROUTING = "LivePerson does not say where a conversation was routed through the Connector API (webhooks do)."


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def when_text(epoch: Any) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(epoch)))
    except (TypeError, ValueError, OverflowError, OSError):
        return "unknown"


def account_of(url: str) -> str:
    match = ACCOUNT_IN_URL.search(url or "")
    return match.group(1) if match else ""


def findings_of(body: str, account: str | None, client_properties: str | None) -> list[dict[str, str]]:
    """The validator's findings about a body given as text (none when it is not JSON: that is one)."""
    from lp_tui.limits import loads_json
    from lp_tui.model.validate import ERROR, Finding, validate

    try:
        payload = loads_json(body)
    except ValueError as exc:
        found = [Finding(ERROR, "$", f"the body is not valid JSON ({exc})")]
    else:
        props = None
        if client_properties:
            try:
                props = loads_json(client_properties)
            except ValueError:
                props = None
        found = validate(payload, account or None, props)
    return [{"level": f.level, "where": f.field or f.path, "message": f.message, "hint": f.hint} for f in found]


def _step(step: Any) -> dict[str, Any]:
    return {"name": step.name, "method": step.method, "url": step.url, "status": step.status,
            "elapsed_ms": round(step.elapsed * 1000), "cached": step.cached, "attempts": step.attempts,
            "note": step.note, "line": step.line()}


def _explanation(exp: Any) -> dict[str, str]:
    return {"title": exp.title, "detail": exp.detail, "action": exp.action}


def _finish(ev: dict[str, Any]) -> dict[str, Any]:
    from lp_tui.model.build import secret_values_of_text

    body = _dict(ev.get("request")).get("body")
    secrets = secret_values_of_text(body) if isinstance(body, str) else []
    cleaned: dict[str, Any] = clean(ev, secrets)
    return cleaned


def from_result(result: Any, *, profile: str, account: str | None, routing: dict[str, Any] | None = None,
                when: float | None = None, client_properties: str | None = None,
                history_id: str | None = None) -> dict[str, Any]:
    """Evidence of a send that got an answer (an lp.results.SendResult)."""
    subs = [{"position": s.position, "reqId": s.req_id, "code": s.code, "message": s.message, "body": s.body}
            for s in result.subs]
    ev = {
        "lp_tui": __version__,
        "history_id": history_id,
        "when": when_text(time.time() if when is None else when),
        "action": result.action,
        "profile": profile,
        "account": account or account_of(result.url),
        "consumer": result.consumer_id,
        "sandbox": result.sandbox,
        "ok": result.ok,
        "request": {"method": "POST", "url": result.url, "headers": dict(result.request_headers),
                    "body": result.request_body},
        "findings": findings_of(result.request_body, account, client_properties)
        if result.action == StepCode.CREATE else [],
        "steps": [_step(s) for s in result.steps],
        "response": {"status": result.status, "headers": dict(result.response_headers), "body": result.body_text,
                     "truncated": result.truncated, "subs": subs},
        "conversation_id": result.conversation_id,
        "explanations": [_explanation(e) for e in result.explanations],
        "routing": routing,
        "error": None,
    }
    message = getattr(result, "first_message", None)
    if message is not None:  # the second step of a create: the SEND of the first message
        ev["first_message"] = {
            "request": {"method": "POST", "url": message.url, "headers": dict(message.request_headers),
                        "body": message.request_body},
            "response": {"status": message.status, "headers": dict(message.response_headers),
                         "body": message.body_text, "truncated": message.truncated,
                         "subs": [{"position": s.position, "reqId": s.req_id, "code": s.code, "message": s.message,
                                   "body": s.body} for s in message.subs]},
            "ok": message.ok,
        }
    return _finish(ev)


def from_error(action: str, error: Any, steps: list[Any], *, profile: str, account: str | None, body: str = "",
               url: str = "", sandbox: bool = False, when: float | None = None,
               client_properties: str | None = None) -> dict[str, Any]:
    """Evidence of a send that failed before an answer (an lp.errors.LpError), with its steps."""
    ev = {
        "lp_tui": __version__,
        "when": when_text(time.time() if when is None else when),
        "action": action,
        "profile": profile,
        "account": account or "",
        "consumer": "",
        "sandbox": sandbox,
        "ok": False,
        "request": {"method": "POST", "url": url, "headers": {}, "body": body},
        "findings": findings_of(body, account, client_properties) if body else [],
        "steps": [_step(s) for s in steps],
        "response": None,
        "conversation_id": None,
        "explanations": [],
        "routing": None,
        "error": {"kind": error.kind, "step": error.step, "message": str(error), "status": error.status},
    }
    return _finish(ev)


def from_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Evidence of a history entry (findings are worked out again from its body)."""
    request, response = _dict(entry.get("request")), _dict(entry.get("response"))
    url = str(request.get("url", ""))
    raw_body = request.get("body")
    body: str = raw_body if isinstance(raw_body, str) else ""
    headers = _dict(request.get("headers"))
    props = headers.get("Client-Properties")
    raw_steps, raw_explanations = entry.get("steps"), entry.get("explanations")
    steps: list[Any] = raw_steps if isinstance(raw_steps, list) else []
    explanations: list[Any] = raw_explanations if isinstance(raw_explanations, list) else []
    ev = {
        "lp_tui": __version__,
        "history_id": entry.get("id"),
        "when": when_text(entry.get("time")),
        "action": entry.get("action", ""),
        "profile": entry.get("profile", ""),
        "account": account_of(url),
        "consumer": entry.get("consumer_id", ""),
        "sandbox": any(str(k).lower() == "x-lp-tui-sandbox" for k in _dict(response.get("headers"))),
        "ok": entry.get("ok"),
        "request": {"method": request.get("method", "POST"), "url": url, "headers": headers, "body": body,
                    "truncated": request.get("truncated")},
        "findings": findings_of(body, account_of(url), props if isinstance(props, str) else None)
        if entry.get("action") == StepCode.CREATE and not request.get("truncated") else [],
        "steps": [{"line": str(s)} for s in steps],
        "response": {"status": response.get("status"), "headers": _dict(response.get("headers")),
                     "body": response.get("body", ""), "truncated": response.get("truncated"),
                     "subs": _subs_of(response.get("body"))},
        "conversation_id": entry.get("conversation_id"),
        "explanations": [{"title": str(e), "detail": "", "action": ""} for e in explanations],
        "routing": entry.get("routing") if isinstance(entry.get("routing"), dict) else None,
        "error": None,
    }
    first = _dict(entry.get("first_message"))
    if first:  # the SEND of the first message, right after the create
        sent, answer = _dict(first.get("request")), _dict(first.get("response"))
        ev["first_message"] = {
            "request": {"method": "POST", "url": str(sent.get("url", "")), "headers": _dict(sent.get("headers")),
                        "body": sent.get("body") if isinstance(sent.get("body"), str) else ""},
            "response": {"status": answer.get("status"), "headers": _dict(answer.get("headers")),
                         "body": answer.get("body", ""), "truncated": answer.get("truncated"),
                         "subs": _subs_of(answer.get("body"))},
            "ok": first.get("ok"),
        }
    return _finish(ev)


def _subs_of(body: Any) -> list[dict[str, Any]]:
    from lp_tui.limits import loads_json
    from lp_tui.lp.results import SubResult

    try:
        parsed = loads_json(body) if isinstance(body, str) else None
    except ValueError:
        return []
    items = parsed if isinstance(parsed, list) else [parsed] if isinstance(parsed, dict) and "reqId" in parsed else []
    out = []
    for i, item in enumerate(items):
        sub = SubResult(i, item.get("reqId"), item.get("code"), item.get("body")) if isinstance(item, dict) \
            else SubResult(i, None, None, item)
        out.append({"position": i, "reqId": sub.req_id, "code": sub.code, "message": sub.message, "body": sub.body})
    return out


def render(ev: dict[str, Any], kind: str) -> str:
    """The evidence as a file's text: ``kind`` "json" or "markdown"."""
    return to_json(ev) if kind == "json" else markdown(ev)


def to_json(ev: dict[str, Any]) -> str:
    """The evidence as JSON. What a terminal would obey (C1 controls such as CSI, bidi overrides,
    line separators, lone surrogates) is written as ``\\uXXXX``, as JSON allows: the same JSON
    for a program, and ``cat ev.json`` shows it instead of obeying it."""
    return safe_json(json.dumps(ev, ensure_ascii=False, indent=2)) + "\n"


# --- Markdown --------------------------------------------------------------------------------
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|!~#])")


def md(text: Any, limit: int = 500) -> str:
    """Outside text for Markdown prose or a table cell: one line, specials escaped, never obeyed."""
    return MD_SPECIAL.sub(r"\\\1", safe("" if text is None else str(text), one_line=True, limit=limit))


def fenced(text: str, lang: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def pretty_body(body: Any) -> tuple[str, str]:
    """(text, language) of a body: JSON pretty-printed when it is JSON, else the text as is."""
    from lp_tui.limits import loads_json

    if not isinstance(body, str):
        return safe_json(json.dumps(body, ensure_ascii=False, indent=2)), "json"
    if not body:
        return "(empty)", ""
    try:
        return safe_json(json.dumps(loads_json(body), ensure_ascii=False, indent=2)), "json"
    except ValueError:
        return safe(body), ""


def _headers(headers: dict[str, Any]) -> str:
    return fenced(safe("\n".join(f"{k}: {v}" for k, v in headers.items()) or "(none)"))


def markdown(ev: dict[str, Any]) -> str:
    """The evidence as one Markdown document a QA engineer attaches to a bug."""
    request, response = _dict(ev.get("request")), _dict(ev.get("response"))
    status = f"HTTP {md(response.get('status'))}" if ev.get("response") else "no answer"
    out = [f"# lp-tui evidence: {md(ev.get('action'))} → {status}", ""]
    facts = [("When", ev.get("when")), ("Profile", ev.get("profile")), ("Account", ev.get("account")),
             ("Consumer", ev.get("consumer")), ("Server", "lp-tui sandbox" if ev.get("sandbox") else "LivePerson"),
             ("Result", "OK" if ev.get("ok") else "failed"), ("conversationId", ev.get("conversation_id")),
             ("History id", ev.get("history_id")), ("lp-tui", ev.get("lp_tui"))]
    out += ["| | |", "| --- | --- |"] + [f"| {k} | {md(v)} |" for k, v in facts if v not in (None, "")]
    url = md(request.get("url"), 2000) or "(not reached: the send stopped before the create call)"
    out += ["", "## Request", "", f"{md(request.get('method'))} {url}", "", "Headers:", "",
            _headers(_dict(request.get("headers"))), "", "Body:", ""]
    text, lang = pretty_body(request.get("body", ""))
    out += [fenced(text, lang)]
    if request.get("truncated"):
        out += ["", f"(the body was {md(request['truncated'])} characters; only its start was kept)"]
    findings = ev.get("findings") or []
    out += ["", "## Findings", ""]
    out += [f"- **{md(f.get('level'))}** {md(f.get('where'))}: {md(f.get('message'))}"
            + (f" ({md(f.get('hint'))})" if f.get("hint") else "") for f in findings] or ["None."]
    out += ["", "## Steps", ""]
    steps = ev.get("steps") or []
    if steps and "name" in steps[0]:
        out += ["| # | Step | Request | Status | Time | Note |", "| --- | --- | --- | --- | --- | --- |"]
        for i, s in enumerate(steps, 1):
            timing = "from cache" if s.get("cached") else f"{s.get('elapsed_ms')} ms"
            request_text = f"{s.get('method')} {s.get('url')}" if s.get("method") else ""
            out.append(f"| {i} | {md(s.get('name'))} | {md(request_text)} | {md(s.get('status') or '')} | "
                       f"{md(timing)} | {md(s.get('note'))} |")
    else:
        out += [f"{i}. {md(s.get('line'))}" for i, s in enumerate(steps, 1)] or ["None recorded."]
    out += ["", "## Response", ""]
    if ev.get("error"):
        error = _dict(ev.get("error"))
        out += [f"No answer: {md(error.get('message'), 2000)}"]
    else:
        out += [f"HTTP {md(response.get('status'))}", ""]
        subs = response.get("subs") or []
        if subs:
            out += ["| # | reqId | code | message |", "| --- | --- | --- | --- |"]
            out += [f"| {s.get('position', 0) + 1} | {md(s.get('reqId'))} | {md(s.get('code'))} | "
                    f"{md(s.get('message'))} |" for s in subs]
            out += [""]
        text, lang = pretty_body(response.get("body", ""))
        out += ["Headers:", "", _headers(_dict(response.get("headers"))), "", "Body:", "", fenced(text, lang)]
        if response.get("truncated"):
            out += ["", "(the answer was cut at the answer size cap)"]
    first = _dict(ev.get("first_message"))
    if first:
        sent, answer = _dict(first.get("request")), _dict(first.get("response"))
        out += ["", "## First message (a SEND right after the create)", "",
                f"POST {md(sent.get('url'), 2000)}", "", "Body:", ""]
        text, lang = pretty_body(sent.get("body", ""))
        out += [fenced(text, lang), "", f"HTTP {md(answer.get('status'))}", ""]
        text, lang = pretty_body(answer.get("body", ""))
        out += ["Body:", "", fenced(text, lang)]
    out += ["", "## Explanation", ""]
    out += [f"- **{md(e.get('title'))}**" + (f": {md(e.get('detail'), 2000)}" if e.get("detail") else "")
            + (f" What to do: {md(e.get('action'), 2000)}" if e.get("action") else "")
            for e in ev.get("explanations") or []] or ["Nothing to explain: every sub-request answered OK."
                                                      if ev.get("ok") else "None."]
    out += ["", "## Routing", ""]
    routing = ev.get("routing")
    if isinstance(routing, dict):
        out += [f"The sandbox routed it to skill **{md(routing.get('skill'))}** by the rule "
                f"“{md(routing.get('rule'))}”."]
    elif ev.get("sandbox") or not ev.get("conversation_id"):
        out += ["No conversation was opened, so nothing was routed."]
    else:
        out += [NO_ROUTING]
    return "\n".join(out) + "\n"

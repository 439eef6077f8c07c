"""A real HTTP server on loopback that imitates CSDS, Sentinel, IDP and the Connector API.

Paths, query parameters, status codes and bodies follow spec/liveperson-api.md. It can
serve every service on one port (demos) or each on its own port (``split=True``), the
way real LivePerson hosts differ from the CSDS host.

Sandbox-only endpoints (production has no such read): ``GET /_sandbox/info`` (what this is,
its rules), ``GET /_sandbox/conversations/{id}`` (state and the routing rule that chose the
skill), ``POST /_sandbox/faults``, ``POST /_sandbox/reset``, ``GET``/``POST /_sandbox/webhooks``
(where LivePerson's webhook notifications go; ``agent.py``); the presenter acting as the agent:
``POST /_sandbox/conversations/{id}/transfer`` (``{"skill": name or id}``), ``…/agent-message``
(``{"text", "quickReplies"}``) and ``…/close``. Every answer carries the header
``X-LP-TUI-Sandbox``, so a client knows it talks to a sandbox from the sandbox itself.

The control endpoints (every ``/_sandbox/*`` but ``info``, which tells only what this is and its
rules) need the sandbox's token, made at random when it starts, as ``Authorization: Bearer
<token>``: another user of this machine cannot read its conversations or re-point its webhooks.
``lp-tui sandbox`` prints it as ``LP_SANDBOX_TOKEN``. The LivePerson-imitating endpoints take
what LivePerson takes.

It answers only requests addressed to its own loopback address (a web page cannot reach it
through DNS rebinding or a cross-origin form), caps request bodies, and refuses bad framing.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lp_tui import __version__
from lp_tui.httpserve import QuickServer
from lp_tui.model.routing import facts_of
from lp_tui.sandbox.agent import WebhookAgent
from lp_tui.sandbox.state import MAX_FAULT_DELAY, Conversation, Fault, FaultError, SandboxState, SERVICES
from lp_tui.sandbox.webhook_config import check_quick_replies

RE_CSDS_ALL = re.compile(r"^/api/account/([^/]+)/service/baseURI(?:\.json)?$")
RE_CSDS_ONE = re.compile(r"^/api/account/([^/]+)/service/([^/]+)/baseURI(?:\.json)?$")
RE_SENTINEL = re.compile(r"^/sentinel/api/account/([^/]+)/app/token$")
RE_IDP = re.compile(r"^/api/account/([^/]+)/consumer$")
RE_CONV = re.compile(r"^/api/account/([^/]+)/messaging/consumer/conversation$")
RE_SEND = re.compile(r"^/api/account/([^/]+)/messaging/consumer/conversation/send$")
RE_ENGAGEMENT = re.compile(r"^/api/account/([^/]+)/app/([^/]+)/engagement$")  # the Monitoring API (smt)
RE_SB_CONV = re.compile(r"^/_sandbox/conversations/([^/]+)$")
RE_SB_PRESENTER = re.compile(r"^/_sandbox/conversations/([^/]+)/(transfer|agent-message|close)$")
MAX_SKILL_CHARS = 100

MAX_SEND_CHARS = 5000
TTR_TYPES = ("CUSTOM", "NORMAL", "PRIORITIZED", "URGENT")  # a TTRField's ttrType (spec §5.5)
MAX_REQUEST_BYTES = 4 * 1024 * 1024  # a larger request body gets 413 without being read
SANDBOX_HEADER = "X-LP-TUI-Sandbox"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
MAX_FAULT_WAIT = MAX_FAULT_DELAY  # a hanging fault answers at the latest after this
OPEN_CONTROL = ("/_sandbox/info",)  # what this is and its rules: no token needed
TOKEN_HOW = ("send the sandbox's control token as 'Authorization: Bearer <token>'; it is LP_SANDBOX_TOKEN in the "
             "export line `lp-tui sandbox` printed when it started (lp-tui's own commands send it when "
             "LP_SANDBOX_TOKEN is set)")


class Unauthorized(Exception):
    """A control endpoint asked without the sandbox's token."""


def auth_error(code: int, error_code: int, title: str, details: str) -> tuple[int, Any]:
    return code, {"kind": "resp", "code": code, "body": {"title": title, "details": details, "errorCode": error_code},
                  "type": ".ReqBody$ErrorResp"}


E_MISSING_APPJWT = auth_error(401, 40105, "AppJWT is missing", "AUTHORIZATION header is not present")
E_INVALID_APPJWT = auth_error(401, 40102, "Invalid AppJWT", "AppJWT has expired or is invalid")
E_MISSING_JWS = auth_error(401, 40104, "ConsumerJWS is missing", "X_ON_BEHALF_HEADER is not present")
E_INVALID_JWS = auth_error(401, 40103, "Invalid ConsumerJWS", "ConsumerJWS is invalid")
# LivePerson's catalogue answers all five with HTTP 401 and "code": 401 ("Always 401 for Unauthorized"),
# 40001 included, though its first three digits read 400 (DC-AUTH, spec §4.8): the page's word is followed.
E_BRAND = auth_error(401, 40001, "Missing parameter", "Brand Id is missing")
API_VERSION = "3"  # CONVERSATION and SEND are called with ?v=3 (spec §4.1, §5.1)


def refused_call(account: str, query: dict[str, str], state: Any) -> tuple[int, Any] | None:
    """What LivePerson refuses before reading the body: another account in the path than the one the
    AppJWT was minted for (its aud: the AppJWT is not valid there, 40102), and a call without v=3 (400,
    LivePerson's "invalid input"; its exact body is not documented)."""
    if account != state.account_id:
        return E_INVALID_APPJWT
    if query.get("v") != API_VERSION:
        shown = "no v" if "v" not in query else f"v={query['v'][:20]!r}"
        return 400, bad_request(None, f"Bad Request: the API version v=3 is required ({shown} was given)")
    return None


def bad_request(req_id: Any = None, msg: str = "Bad Request") -> dict[str, Any]:
    return {"code": "BAD_REQUEST", "body": {"msg": msg}, "reqId": req_id}


def _event_ok(event: dict[str, Any]) -> bool:
    """A chat state or receipt as LivePerson's schema has them (ms/ChatStateEvent.json, AcceptStatusEvent.json);
    other events pass (a ContentEvent's text is checked by its publisher)."""
    from lp_tui.sandbox.notes import CHAT_STATES, STATUSES

    if event.get("type") == "ChatStateEvent":
        return event.get("chatState") in CHAT_STATES
    if event.get("type") == "AcceptStatusEvent":
        seqs = event.get("sequenceList")
        return event.get("status") in STATUSES and isinstance(seqs, list) and all(_whole(n) for n in seqs)
    return True


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10**9


class BadRequest(Exception):
    """The request cannot be answered as asked: (status, message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    timeout = 30  # a client that stops sending mid-request frees its thread after this

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the TUI owns the terminal
        if self.server.verbose:
            super().log_message(format, *args)

    # --- plumbing -------------------------------------------------------------------------
    @property
    def state(self) -> SandboxState:
        return self.server.state

    def _check_host(self) -> None:
        """Only requests addressed to this loopback address and port: no DNS rebinding, no CSRF."""
        port = self.server.server_address[1]
        allowed = {f"{name}:{port}" for name in LOOPBACK_NAMES}
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in allowed:
            raise BadRequest(421, f"this sandbox answers only requests for 127.0.0.1:{port}")
        origin = self.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc.lower() not in allowed:
            raise BadRequest(403, "cross-origin requests are refused")

    def _check_token(self) -> None:
        """``/_sandbox/*`` (but ``info``) only with the sandbox's token: Authorization: Bearer <token>."""
        path = urlsplit(self.path).path
        if not path.startswith("/_sandbox") or path in OPEN_CONTROL:
            return
        given = (self.headers.get("Authorization") or "").strip()
        scheme, _, value = given.partition(" ")
        expected = self.server.token
        if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(
                value.strip().encode("utf-8", "replace"), expected.encode()):
            raise Unauthorized("missing" if not given else "wrong")

    def _unauthorized(self, what: str) -> None:
        self.close_connection = True
        message = f"the sandbox's control endpoints need its token ({what} token): {TOKEN_HOW}"
        data = json.dumps({"code": 401, "error": "unauthorized", "body": {"msg": message}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("WWW-Authenticate", 'Bearer realm="lp-tui sandbox"')
        self.send_header("Connection", "close")
        self.send_header(SANDBOX_HEADER, __version__)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise BadRequest(411, "send the body with a Content-Length")
        values = self.headers.get_all("Content-Length") or []
        if not values:
            return b""
        text = values[0].strip()
        if len(set(values)) > 1 or not (text.isascii() and text.isdigit()) or len(text) > 12:
            raise BadRequest(400, "Content-Length must be one non-negative whole number")
        length = int(text)
        if length > MAX_REQUEST_BYTES:
            raise BadRequest(413, f"the body is larger than {MAX_REQUEST_BYTES // (1024 * 1024)} MB")
        data = self.rfile.read(length) if length else b""
        if len(data) != length:
            raise BadRequest(400, "the body is shorter than its Content-Length")
        return data

    def _refuse(self, error: BadRequest) -> None:
        self.close_connection = True
        data = json.dumps({"code": error.status, "body": {"msg": str(error)}}).encode()
        self.send_response(error.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.send_header(SANDBOX_HEADER, __version__)
        self.end_headers()
        self.wfile.write(data)

    def _send(self, status: int, payload: Any, fault: Fault | None = None, content_type: str = "application/json") -> None:
        if fault and fault.status is not None:
            status = fault.status
        if fault and fault.body is not None:
            data = fault.body.encode("utf-8")
            content_type = fault.content_type
        elif isinstance(payload, (bytes, str)):
            data = payload.encode("utf-8") if isinstance(payload, str) else payload
        else:
            data = json.dumps(payload).encode("utf-8")
        if fault and fault.body is None and fault.status is not None and fault.status >= 400:
            data = json.dumps({"code": fault.status, "body": {"msg": self.responses.get(fault.status, ("Error",))[0]}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header(SANDBOX_HEADER, __version__)
        for name, value in (fault.headers if fault else {}).items():
            self.send_header(name, value)
        self.end_headers()
        if fault and fault.drip > 0:
            for i in range(0, len(data), 16):
                self.wfile.write(data[i : i + 16])
                self.wfile.flush()
                if self.state.stopping.wait(fault.drip):
                    return
        else:
            self.wfile.write(data)

    def _dispatch(self, method: str) -> None:
        try:
            self._check_host()
            self._check_token()  # before the body is read: no work for a caller without the token
            body = self._body() if method == "POST" else b""
        except BadRequest as error:
            self._refuse(error)
            return
        except Unauthorized as error:
            self._unauthorized(str(error))
            return
        parts = urlsplit(self.path)
        path, query = parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self.state.lock:
            self.state.log.append((method, path))
            self.state.urls.append(f"{method} {self.path}")
        route = self._route(method, path)
        if route is None:
            self._send(404, {"code": 404, "body": {"msg": f"no such endpoint: {method} {path}"}})
            return
        service, handler, args = route
        if service not in self.server.services:
            self._send(404, {"code": 404, "body": {"msg": f"{service} is not served on this port"}})
            return
        if service != "sandbox":
            while not self.state.released.wait(0.05):  # held: wait for the release (or the stop)
                if self.state.stopping.is_set():
                    return
        fault = self.state.take_fault(service) if service != "sandbox" else None
        if fault and (fault.delay or fault.hang):
            if self.state.stopping.wait(MAX_FAULT_WAIT if fault.hang else fault.delay):
                return  # the sandbox is stopping: no answer, as a dead server gives none
        if fault and fault.status is not None:  # a failing answer does nothing on the server's side
            status, payload = fault.status, None
        else:
            try:
                status, payload = handler(*args, query=query, body=body)
            except Exception as exc:  # the sandbox must answer, never hang the client
                status, payload = 500, {"code": 500, "body": {"msg": f"sandbox error: {exc}"}}
        self._send(status, payload, fault)

    def _route(self, method: str, path: str) -> tuple[str, Any, tuple[str, ...]] | None:
        table = [
            ("GET", RE_CSDS_ONE, "csds", self.csds_one),
            ("GET", RE_CSDS_ALL, "csds", self.csds_all),
            ("POST", RE_SENTINEL, "sentinel", self.sentinel),
            ("POST", RE_IDP, "idp", self.idp),
            ("POST", RE_SEND, "send", self.send_api),
            ("POST", RE_CONV, "conversation", self.conversation),
            ("POST", RE_ENGAGEMENT, "smt", self.engagement),
            ("GET", RE_SB_CONV, "sandbox", self.sb_conversation),
        ]
        for verb, pattern, service, handler in table:
            match = pattern.match(path)
            if match and verb == method:
                return service, handler, match.groups()
        presenter = RE_SB_PRESENTER.match(path)
        if presenter and method == "POST":  # the presenter acts as the agent (token-protected like all /_sandbox)
            return "sandbox", self.sb_presenter, presenter.groups()
        if method == "GET" and path == "/_sandbox/info":
            return "sandbox", self.sb_info, ()
        if method == "POST" and path == "/_sandbox/faults":
            return "sandbox", self.sb_faults, ()
        if method == "POST" and path == "/_sandbox/hold":
            return "sandbox", self.sb_hold, ()
        if method == "POST" and path == "/_sandbox/release":
            return "sandbox", self.sb_release, ()
        if method == "POST" and path == "/_sandbox/reset":
            return "sandbox", self.sb_reset, ()
        if method == "GET" and path == "/_sandbox/state":
            return "sandbox", self.sb_state, ()
        if method in ("GET", "POST") and path == "/_sandbox/webhooks":
            return "sandbox", self.sb_webhooks, ()
        return None

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    # --- CSDS -----------------------------------------------------------------------------
    def _entries(self) -> list[dict[str, str]]:
        return [{"service": name, "account": self.state.account_id, "baseURI": host}
                for name, host in self.state.hosts.items()]

    def csds_all(self, account: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        if query.get("version") != "1.0":
            return 400, {"error": "version parameter must be 1.0"}
        if account != self.state.account_id:
            return 401, {"error": f"unknown account {account}"}  # UNCONFIRMED in LivePerson's docs
        return 200, {"baseURIs": self._entries()}

    def csds_one(self, account: str, service: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        if query.get("version") != "1.0":
            return 400, {"error": "version parameter must be 1.0"}
        if account != self.state.account_id:
            return 401, {"error": f"unknown account {account}"}
        host = self.state.hosts.get(service)
        if host is None:
            return 404, {"error": f"unknown service {service}"}
        return 200, {"service": service, "account": account, "baseURI": host}

    # --- Monitoring API (smt) ---------------------------------------------------------------
    def engagement(self, account: str, app: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        from lp_tui.sandbox.monitoring import engagement

        return engagement(self.state, account, unquote(app), query, body)

    # --- Sentinel -------------------------------------------------------------------------
    def sentinel(self, account: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        params = {**query, **form}
        if params.get("grant_type") != "client_credentials" or query.get("v") != "1.0":
            return 400, {"error": "invalid_request", "error_description": "v=1.0 and grant_type=client_credentials are required"}
        if account != self.state.account_id:
            return 401, {"error": "invalid_client", "error_description": "unknown account"}
        if params.get("client_id") != self.state.client_id or params.get("client_secret") != self.state.client_secret:
            return 401, {"error": "invalid_client", "error_description": "client authentication failed"}
        return 200, {"access_token": self.state.mint_app_jwt(params["client_id"]), "token_type": "Bearer"}

    # --- IDP ------------------------------------------------------------------------------
    def _app_jwt(self) -> tuple[tuple[int, Any] | None, dict[str, Any] | None]:
        value = self.headers.get("Authorization")
        if not value:
            return E_MISSING_APPJWT, None
        token = value[7:] if value.startswith("Bearer ") else value
        claims = self.state.check_app_jwt(token)
        return (None, claims) if claims else (E_INVALID_APPJWT, None)

    def idp(self, account: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        error, _ = self._app_jwt()
        if error:
            return error
        try:
            data = json.loads(body or b"null")
        except (ValueError, RecursionError):
            data = None
        ext = data.get("ext_consumer_id") if isinstance(data, dict) else None
        if not isinstance(ext, str) or not ext:
            return 400, {"error": "ext_consumer_id is required"}
        return 201, {"token": self.state.mint_jws(ext)}

    # --- Connector API ----------------------------------------------------------------------
    def _consumer(self) -> tuple[tuple[int, Any] | None, dict[str, Any]]:
        error, _ = self._app_jwt()
        if error:
            return error, {}
        jws = self.headers.get("X-LP-ON-BEHALF")
        if not jws:
            return E_MISSING_JWS, {}
        claims = self.state.check_jws(jws)
        return (None, claims) if claims else (E_INVALID_JWS, {})

    def conversation(self, account: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        error, consumer = self._consumer()
        if error:
            return error
        refused = refused_call(account, query, self.state)
        if refused:
            return refused
        try:
            batch = json.loads(body)
        except (ValueError, RecursionError):  # nested past the parser's depth: malformed too
            return 400, bad_request(None, "Bad Request: the body is not JSON")
        if not isinstance(batch, list) or len(batch) < 2 or not all(isinstance(e, dict) for e in batch):
            return 400, bad_request(None, "Bad Request: the body must be an array of at least two requests")
        first, second = batch[0], batch[1]
        if first.get("type") != "userprofile.SetUserProfile" or second.get("type") != "cm.ConsumerRequestConversation":
            return 400, [bad_request(e.get("id"), "Bad Request: SetUserProfile must be first, "
                                     "ConsumerRequestConversation second") for e in batch]
        conv_body = second.get("body")
        if not isinstance(conv_body, dict) or not conv_body.get("brandId"):
            return E_BRAND
        if conv_body.get("brandId") != self.state.account_id:
            return 400, [{"code": "OK", "body": {"msg": "OK User Profile set successfully"}, "reqId": first.get("id")},
                         bad_request(second.get("id"), f"Bad Request: brandId {conv_body.get('brandId')} is not this account")]
        profile_resp = {"code": "OK", "body": {"msg": "OK User Profile set successfully"}, "reqId": first.get("id")}
        extras = batch[2:]
        for extra in extras:  # the oldest docs' first message; nothing else is documented there
            event = extra.get("body", {}).get("event") if isinstance(extra.get("body"), dict) else None
            if extra.get("type") != "ms.PublishEvent" or not isinstance(event, dict) \
                    or event.get("type") != "ContentEvent" or not isinstance(event.get("message"), str):
                return 400, [profile_resp, bad_request(second.get("id"), "Bad Request: the conversation was not "
                                                       "opened"), *[bad_request(e.get("id"), "Bad Request: only a "
                                                                    "text ms.PublishEvent may follow") for e in extras]]
        lp_consumer = consumer["lp_consumer_id"]
        with self.state.lock:
            if self.state.open_conversation_of(lp_consumer):
                return 400, [profile_resp, bad_request(
                    second.get("id"),
                    f"Consumer request conversation failed: User {lp_consumer} already has open conversation. "
                    "Can't open another one.")]
            facts = facts_of(batch, self.headers.get("Client-Properties"))
            decision = self.state.rules.route(facts)
            conv = Conversation(str(uuid.uuid4()), lp_consumer, consumer["ext_consumer_id"], decision.skill,
                                decision.rule, created=self.state.now(),
                                skill_id=self.state.skill_id_of(decision, facts),
                                plan=(decision.transfer_to, decision.transfer_after, decision.rule)
                                if decision.transfer_to else None)
            self.state.conversations[conv.id] = conv
            answers = [{"code": "OK", "body": {"sequence": conv.publish(e["body"]["event"]["message"])},
                        "reqId": e.get("id")} for e in extras]
            self.state.emit("created", conv, ttr=conv_body.get("ttrDefName"))
        return 200, [profile_resp, {"code": "OK", "body": {"conversationId": conv.id}, "reqId": second.get("id")},
                     *answers]

    def send_api(self, account: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        error, consumer = self._consumer()
        if error:
            return error
        refused = refused_call(account, query, self.state)
        if refused:
            return refused
        if len(body.decode("utf-8", "replace")) > MAX_SEND_CHARS:
            return 400, bad_request(None)
        try:
            req = json.loads(body)
        except (ValueError, RecursionError):
            return 400, bad_request(None)
        if not isinstance(req, dict) or not isinstance(req.get("body"), dict):
            return 400, bad_request(None)
        rid, rbody, kind = req.get("id"), req["body"], req.get("type")
        conv_id = rbody.get("conversationId") or rbody.get("dialogId")
        with self.state.lock:
            conv = self.state.conversations.get(str(conv_id))
            if conv is None:
                return 400, bad_request(rid, f"Bad Request, unknown conversation {conv_id}")
            if conv.consumer != consumer["lp_consumer_id"]:
                return E_INVALID_JWS  # another consumer's conversation (spec §4.8)
            if conv.state != "OPEN":
                return 400, bad_request(rid, "Bad Request, Conversation is close")
            if kind == "cm.UpdateConversationField":
                field = rbody.get("conversationField")
                fields = field if isinstance(field, list) else [field]
                if any(isinstance(f, dict) and f.get("conversationState") == "CLOSE" for f in fields):
                    conv.state, conv.closed = "CLOSE", self.state.now()
                    self.state.emit("closed", conv)
                    return 200, {"code": "OK", "body": {"msg": "OK Conversation resolved successfully"}, "reqId": rid}
                ttr = next((f for f in fields if isinstance(f, dict) and f.get("field") == "TTRField"), None)
                if ttr is not None and ttr.get("ttrType") in TTR_TYPES and _whole(ttr.get("value")):
                    conv.ttr = {"ttrType": ttr["ttrType"], "value": ttr["value"]}
                    self.state.emit("ttr", conv, ttr_type=ttr["ttrType"], value=ttr["value"])
                    return 200, {"code": "OK", "body": {"msg": "OK"}, "reqId": rid}
                return 400, bad_request(rid)
            if kind == "ms.PublishEvent":
                event = rbody.get("event")
                if not isinstance(event, dict) or not rbody.get("dialogId"):
                    return 400, bad_request(rid)
                # the consumer's SENDs after the create: kept on the conversation (GET /_sandbox/conversations/ID
                # shows them), then posted to the agent's side as LivePerson posts them (agent.py)
                if not _event_ok(event):  # what LivePerson's schema refuses (UNCONFIRMED: its exact answer)
                    return 400, bad_request(rid)
                metadata = req.get("metadata") if isinstance(req.get("metadata"), list) else None
                conv.keep_metadata(metadata)
                if event.get("type") == "ContentEvent":
                    sequence = conv.publish(str(event.get("message", "")), metadata=metadata)
                    self.state.emit("message", conv, sequence=sequence)
                else:
                    if event.get("type") in ("ChatStateEvent", "AcceptStatusEvent"):
                        conv.note_event("CONSUMER", event, metadata)
                    sequence = max(len(conv.messages) - 1, 0)
                    self.state.emit("event", conv, event=event, metadata=metadata)
                return 200, {"reqId": rid, "code": "OK", "body": {"sequence": sequence}}
        return 400, bad_request(rid, f"Bad Request, unsupported type {kind}")

    # --- sandbox-only -----------------------------------------------------------------------
    def sb_conversation(self, conv_id: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        with self.state.lock:
            conv = self.state.conversations.get(conv_id)
            return (200, self.state.describe(conv)) if conv else (404, {"error": f"no conversation {conv_id}"})

    # --- the presenter acts as the agent: transfer, say (text, quick replies), close --------------------------
    def sb_presenter(self, conv_id: str, action: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        """``POST /_sandbox/conversations/{id}/transfer`` ``{"skill": name or id}``, ``…/agent-message``
        ``{"text": …, "quickReplies": [titles]}``, ``…/close``: what an agent of the routed skill does."""
        try:
            data = json.loads(body or b"{}")
        except (ValueError, RecursionError):
            return 400, {"error": "the body must be a JSON object"}
        if not isinstance(data, dict):
            return 400, {"error": "the body must be a JSON object"}
        with self.state.lock:
            conv = self.state.conversations.get(conv_id)
            if conv is None:
                return 404, {"error": f"no conversation {conv_id[:80]}"}
            if conv.state != "OPEN":
                return 409, {"error": "the conversation is closed"}
            if action == "transfer":
                skill = data.get("skill")
                if not isinstance(skill, str) or not skill.strip() or len(skill) > MAX_SKILL_CHARS:
                    return 400, {"error": f"skill: a skill name or id (text, at most {MAX_SKILL_CHARS} characters), "
                                          "e.g. {\"skill\": \"Billing Specialists\"}"}
                record = self.state.transfer(conv, skill.strip(), "agent")
                return 200, {"ok": True, "transfer": record, "conversation": self.state.describe(conv)}
            if action == "agent-message":
                text, replies = data.get("text"), data.get("quickReplies", [])
                if not isinstance(text, str) or not text.strip() or len(text) > MAX_SEND_CHARS:
                    return 400, {"error": f"text: the agent's message (at most {MAX_SEND_CHARS} characters)"}
                try:  # the same rule as the greeting's quick replies (webhook_config)
                    replies = check_quick_replies(replies, "quickReplies")
                except ValueError as exc:
                    return 400, {"error": str(exc)[:300]}
                if not conv.agent_id:
                    return 409, {"error": "no agent has joined the conversation yet (the timeline shows 'joined' "
                                          "when one has); try again then"}
                sequence = conv.publish(text, role="ASSIGNED_AGENT")
                self.state.emit("agent-message", conv, sequence=sequence, text=text,
                                quick_replies=replies)
                return 200, {"ok": True, "sequence": sequence}
            conv.state, conv.closed, conv.closed_by = "CLOSE", self.state.now(), "AGENT"
            self.state.emit("closed", conv)
            return 200, {"ok": True, "conversation": self.state.describe(conv)}

    def sb_info(self, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        return 200, self.state.info()

    def sb_faults(self, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        if "json" not in (self.headers.get("Content-Type") or ""):
            return 415, {"error": "send the fault as application/json"}
        try:
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise FaultError("a fault is a JSON object")
            if data.get("clear") is True and len(data) == 1:
                self.state.clear_faults()
                return 200, {"faults": 0}
            service = data.pop("service", None)
            if not isinstance(service, str):
                raise FaultError("service: one of " + ", ".join(SERVICES))
            self.state.add_fault(service, Fault.from_json(data))
        except RecursionError:
            return 400, {"error": "bad fault: nested too deep"}
        except (ValueError, TypeError) as exc:
            return 400, {"error": f"bad fault: {exc}"}
        return 200, {"ok": True}

    def sb_hold(self, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        self.state.released.clear()
        return 200, {"holding": True}

    def sb_release(self, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        self.state.released.set()
        return 200, {"holding": False}

    def sb_reset(self, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        with self.state.lock:
            self.state.conversations.clear()
            self.state.clear_faults()
        return 200, {"ok": True}

    def sb_webhooks(self, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        """Where the sandbox posts LivePerson's webhook notifications, and how (see agent.py)."""
        from lp_tui.sandbox.agent import configure

        agent = self.server.agent
        if agent is None:  # a server made without an agent (a bare test server) posts nothing
            return 404, {"error": "this sandbox posts no webhooks"}
        if self.command == "POST":
            return configure(self.state, agent, body, self.headers.get("Content-Type"))
        return 200, agent.describe()

    def sb_state(self, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        with self.state.lock:
            return 200, {"conversations": [self.state.describe(c) for c in self.state.conversations.values()]}


class _Server(QuickServer):
    def __init__(self, address: tuple[str, int], state: SandboxState, services: set[str], verbose: bool) -> None:
        super().__init__(address, Handler)
        self.state = state
        self.services = services
        self.verbose = verbose
        self.agent: WebhookAgent | None = None
        self.token = ""  # the control endpoints' token (Sandbox sets it); empty: they answer no one

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A broken client connection is its own affair: one line with --verbose, never a traceback."""
        if self.verbose:
            import sys

            print(f"sandbox: a request from {client_address[0]} failed: {sys.exc_info()[1]!r}", file=sys.stderr)


class Sandbox:
    """Runs the sandbox on 127.0.0.1 in background threads. ``split`` gives each service its own port."""

    def __init__(self, state: SandboxState | None = None, port: int = 0, split: bool = False, verbose: bool = False,
                 token: str | None = None) -> None:
        self.state = state or SandboxState()
        self.token = token or secrets.token_urlsafe(24)  # for /_sandbox/*: Authorization: Bearer <token>
        self.agent = WebhookAgent(self.state)  # LivePerson's side after the POST: webhooks and an agent
        everything = {"csds", "sentinel", "idp", "conversation", "send", "sandbox", "smt"}
        groups = [{"csds", "sandbox", "smt"}, {"sentinel"}, {"idp"}, {"conversation", "send"}] if split else [everything]
        self.servers = []
        for i, services in enumerate(groups):
            self.servers.append(_Server(("127.0.0.1", port if i == 0 else 0), self.state, services, verbose))
            self.servers[-1].agent = self.agent
            self.servers[-1].token = self.token
        hosts = [f"127.0.0.1:{s.server_address[1]}" for s in self.servers]
        if split:
            self.state.hosts = {"sentinel": hosts[1], "idp": hosts[2], "asyncMessagingEnt": hosts[3], "smt": hosts[0]}
        else:
            self.state.hosts = {"sentinel": hosts[0], "idp": hosts[0], "asyncMessagingEnt": hosts[0], "smt": hosts[0]}
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        return self.servers[0].server_address[1]

    @property
    def csds_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Sandbox":
        for server in self.servers:
            thread = threading.Thread(target=server.serve, name="lp-sandbox", daemon=True)
            thread.start()
            self._threads.append(thread)
        self.agent.start()
        return self

    def stop(self) -> None:
        """Stop at once: the accept loops wake, hanging faults give up, ports are freed."""
        self.state.stopping.set()
        self.agent.stop()
        for server in self.servers:
            server.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        for server in self.servers:
            server.server_close()
        self._threads.clear()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def send_webhooks_to(self, url: str | None, **settings: Any) -> None:
        """Post LivePerson's webhook notifications to ``url`` (None: nowhere); settings as
        ``POST /_sandbox/webhooks`` takes them (agent_delay, retry_delay, faults, ...)."""
        with self.state.lock:
            self.state.webhooks.update({"url": url, **settings})

    def connection_values(self) -> dict[str, str]:
        """What to point lp-tui at this sandbox."""
        return {"account_id": self.state.account_id, "csds_url": self.csds_url,
                "client_id": self.state.client_id, "client_secret": self.state.client_secret,
                "sandbox_token": self.token}

    def control_headers(self) -> dict[str, str]:
        """What a caller of ``/_sandbox/*`` sends: the token, as Authorization: Bearer."""
        return {"Authorization": f"Bearer {self.token}"}

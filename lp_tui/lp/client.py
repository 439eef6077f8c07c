"""The send pipeline: CSDS domain lookup, AppJWT, ConsumerJWS, then CONVERSATION or SEND.

Each step is reported to an observer as it starts and ends (for progress display), with
method, URL, status, elapsed time and whether it came from cache. Secrets never leave
this module unmasked: errors and records carry masked headers and scrubbed text.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable
from urllib.parse import quote, urlsplit

from lp_tui.limits import TooDeep, finite_seconds
from lp_tui.lp import tokens
from lp_tui.lp.errors import ApiError, ConfigError, Explanation, LpError, Why, explain, unexpected
from lp_tui.lp.results import Observer, SendResult, Step, StepCode, SubResult, conversation_id_of
from lp_tui.lp.transport import (ACCEPT_ENCODING, Answer, check_host, control_headers, direct_mounts, read_answer,
                                 transport_error)
from lp_tui.model.connection import ALLOW_PLAIN_HTTP_HOW, Connection, plain_http_refusal
from lp_tui.redact import mask_headers, scrub, scrub_value

if TYPE_CHECKING:  # httpx is imported at the first request, not when the app starts
    import ssl

    import httpx

__all__ = ["LpClient", "SendResult", "Step", "SubResult", "Observer", "STEP_CSDS", "STEP_APPJWT", "STEP_JWS",
           "STEP_CREATE", "STEP_CLOSE", "STEP_MESSAGE", "STEP_FIRST_MESSAGE", "STEP_EVENT", "StepCode", "close_request", "SANDBOX_TOKEN_NEEDED"]

STEP_CSDS = StepCode.CSDS
STEP_APPJWT = StepCode.APPJWT
STEP_JWS = StepCode.JWS
STEP_CREATE = StepCode.CREATE
STEP_CLOSE = StepCode.CLOSE
STEP_MESSAGE = StepCode.MESSAGE
STEP_FIRST_MESSAGE = StepCode.FIRST_MESSAGE
STEP_EVENT = StepCode.EVENT  # a SEND for the consumer after the create: chat state, receipt, TTR, raw body
SANDBOX_TOKEN_NEEDED = ("the sandbox did not say where it routed the conversation: its control endpoints need its "
                        "token; set LP_SANDBOX_TOKEN as `lp-tui sandbox` printed it (or sandbox_token in the "
                        "profile)")

SANDBOX_HEADER = "x-lp-tui-sandbox"  # every lp-tui sandbox answer carries it
CONVERSATION_PATH = "/messaging/consumer/conversation"
SEND_PATH = "/messaging/consumer/conversation/send"


def api_url(base: str, account: str, path: str = CONVERSATION_PATH) -> str:
    """A Connector API URL: the asyncMessagingEnt base, the account, the call's path, v=3."""
    return f"{base}/api/account/{account}{path}?v=3"


def close_request(conversation_id: str) -> dict[str, Any]:
    """The SEND that closes a conversation, in the Connector API's form: ``conversationField`` one
    object (LivePerson's WebSocket schema has an array of them; spec §5.5)."""
    return {"kind": "req", "id": "1,", "type": "cm.UpdateConversationField",
            "body": {"conversationId": conversation_id,
                     "conversationField": {"field": "ConversationStateField", "conversationState": "CLOSE"}}}


def api_headers(authorization: str, jws: str, client_properties: str | None = None) -> dict[str, str]:
    """The Connector API headers, in the order the docs list them (the preview shows the same)."""
    headers = {"Content-Type": "application/json", "Authorization": authorization, "X-LP-ON-BEHALF": jws}
    if client_properties:
        headers["Client-Properties"] = client_properties
    return headers


async def _noop(step: Step) -> None:
    return None


class LpClient:
    """Speaks to LivePerson (or the sandbox). One instance per connection; caches tokens."""

    def __init__(
        self,
        conn: Connection,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.conn = conn
        self._transport = transport
        self._clock = clock
        self._sleep = sleep
        self._http: httpx.AsyncClient | None = None
        self._domains: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
        self._app_jwt: dict[tuple[str, str, str], str] = {}
        self._jws: dict[tuple[str, str, str], str] = {}
        self.calls = 0  # HTTP requests made, for benchmarks and tests
        self.sandbox_version: str | None = None  # set when the CSDS host said it is an lp-tui sandbox
        self.sandbox_locked = False  # its control endpoints refused (401): lp-tui lacks its token

    def __repr__(self) -> str:  # crash reports print objects: never the tokens it caches
        return f"LpClient({self.conn!r}, {len(self._app_jwt)} AppJWT and {len(self._jws)} ConsumerJWS cached)"

    # --- plumbing -------------------------------------------------------------------
    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            import httpx

            verify: ssl.SSLContext | bool = True
            if self.conn.ca_bundle:
                import ssl

                verify = ssl.create_default_context(cafile=self.conn.ca_bundle)
            elif urlsplit(self.conn.csds_url).scheme == "http":
                verify = False  # plain http (a local sandbox): no TLS context to build
            timeout = httpx.Timeout(self.conn.read_timeout, connect=self.conn.connect_timeout)
            self._http = httpx.AsyncClient(timeout=timeout, verify=verify, transport=self._transport, trust_env=True,
                                           headers={"Accept-Encoding": ACCEPT_ENCODING},
                                           mounts=direct_mounts(self.conn.csds_url))
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _secrets(self) -> list[str]:
        return [*self.conn.secrets(), *self._app_jwt.values(), *self._jws.values()]

    def _base(self, host: str) -> str:
        scheme = urlsplit(self.conn.csds_url).scheme or "https"
        return f"{scheme}://{host}"

    def known_base(self, service: str) -> str | None:
        """The service's base URL if a domain lookup for this connection is cached (and sane)."""
        cached = self._domains.get((self.conn.csds_url, self.conn.account_id))
        host = cached[1].get(service) if cached else None
        try:
            return self._base(check_host(host, service)) if host else None
        except ValueError:
            return None

    async def _request(
        self,
        step: Step,
        observer: Observer,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        data: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Answer:
        """One HTTP exchange with LivePerson's retry guidance, read within bounds.

        Transport failures become LpError. Every wait is capped (``max_wait``), and the whole
        answer must arrive within ``total_timeout`` however slowly it trickles.
        """
        import httpx

        host = urlsplit(url).netloc
        step.method, step.url = method, url.split("?")[0]
        refusal = plain_http_refusal(url, self.conn)
        if refusal is not None:  # before anything is sent: the secret never leaves in clear text
            step.failed = step.done = True
            await _emit(observer, step)
            origin = "the CSDS URL" if step.name == STEP_CSDS else "the host the CSDS answer names for this step"
            raise ConfigError(step.name, f"{origin} is {refusal}", f"Use https://, or {ALLOW_PLAIN_HTTP_HOW}",
                          host)
        policy = self.conn.retry
        started = time.perf_counter()
        tries_429 = tries_5xx = 0
        waiting = False
        capped = ""  # a wait the server asked for that was cut short: said in the step's last note
        client = self._client()
        try:
            while True:
                step.attempts += 1
                step.note = ""
                waiting = False
                await _emit(observer, step)
                try:
                    self.calls += 1
                    async with asyncio.timeout(self.conn.total_timeout):
                        request = client.build_request(method, url, headers=headers, content=content, data=data,
                                                       params=params)
                        response = await client.send(request, stream=True)
                        try:
                            answer = await read_answer(response, self.conn.max_answer_bytes)
                        finally:
                            await response.aclose()
                except (httpx.HTTPError, TimeoutError, OSError, ValueError) as exc:
                    step.failed = True
                    raise transport_error(step.name, host, exc, self.conn, self._secrets()) from None
                step.status = answer.status
                if answer.headers.get(SANDBOX_HEADER):
                    self.sandbox_version = answer.headers[SANDBOX_HEADER][:40]
                if answer.status == 429 and tries_429 < policy.retry_429:
                    tries_429 += 1
                    wait, asked = self._wait(max(policy.wait_429, 0.0), answer)
                    capped = capped or asked
                    step.note = f"429 throttled; retry {tries_429}/{policy.retry_429} in {wait:g} s" + asked
                elif answer.status >= 500 and tries_5xx < len(policy.delays_5xx):
                    wait, asked = self._wait(policy.delays_5xx[tries_5xx], None)
                    tries_5xx += 1
                    step.note = f"{answer.status}; retry {tries_5xx}/{len(policy.delays_5xx)} in {wait:g} s"
                else:
                    step.failed = answer.status >= 400
                    if step.attempts > 1:
                        step.note = f"answered {answer.status} after {step.attempts} attempts" + capped
                    return answer
                waiting = True
                await _emit(observer, step)
                await self._sleep(wait)
        except asyncio.CancelledError:
            if step.status is None and not waiting:  # the request went out; its answer never came
                step.failed = True
                step.note = "cancelled before the answer: the server may still have acted on it"
            raise
        finally:  # however the step ends (answer, failure, cancel), it is over: no stale "retry in" notes
            step.elapsed, step.done = time.perf_counter() - started, True
            if waiting:
                step.note = f"stopped while waiting to retry (last answer {step.status})"
                step.failed = True
            await _emit(observer, step)

    def _wait(self, base: float, answer: Answer | None) -> tuple[float, str]:
        """Seconds to wait before a retry: ``Retry-After`` when longer, never past ``max_wait``."""
        wait = base
        asked = ""
        if answer is not None and "retry-after" in answer.headers:
            value = finite_seconds(answer.headers["retry-after"], float("inf"))
            if value is not None and value > wait:
                wait = value
        if wait > self.conn.max_wait:
            shown = "for ever" if wait == float("inf") else f"{wait:g} s"
            asked = f" (the server asked to wait {shown}; lp-tui waits at most {self.conn.max_wait:g} s)"
            wait = self.conn.max_wait
        return wait, asked

    # --- steps ----------------------------------------------------------------------
    def _need(self, what: str, value: str, hint: str, step: str) -> str:
        if not value:
            raise ConfigError(step, f"no {what} is set", hint)
        return value

    async def domains(self, observer: Observer = _noop, steps: list[Step] | None = None) -> dict[str, str]:
        acct = self._need("account id", self.conn.account_id, "set it in Settings (F2) in the app, or with --account or LP_ACCOUNT_ID", STEP_CSDS)
        key = (self.conn.csds_url, acct)
        step = Step(STEP_CSDS)
        if steps is not None:
            steps.append(step)
        cached = self._domains.get(key)
        if cached and cached[0] > self._clock():
            step.cached = step.done = True
            await _emit(observer, step)
            return cached[1]
        url = f"{self.conn.csds_url.rstrip('/')}/api/account/{acct}/service/baseURI.json"
        answer = await self._request(step, observer, "GET", url, params={"version": "1.0"})
        host = urlsplit(url).netloc
        if answer.status != 200:
            raise ApiError(STEP_CSDS, f"CSDS answered {answer.status}",
                          "check the account id and the CSDS URL", host, answer.status)
        try:
            doc = answer.json()
            entries = doc.get("baseURIs", [])
            if not isinstance(entries, list):
                raise TypeError
            mapping = {e["service"]: e["baseURI"] for e in entries
                       if isinstance(e, dict) and isinstance(e.get("service"), str)}
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            raise ApiError(STEP_CSDS, "CSDS answered with something that is not the services document",
                          "check that the CSDS URL points at LivePerson's Domain API", host, 200) from None
        self._domains[key] = (self._clock() + self.conn.csds_ttl, mapping)
        return mapping

    async def _service(self, name: str, observer: Observer, steps: list[Step]) -> str:
        looked_up = any(s.name == STEP_CSDS for s in steps)
        mapping = await self.domains(observer if not looked_up else _noop, None if looked_up else steps)
        host = mapping.get(name)
        if not host:
            raise ApiError(STEP_CSDS, f"CSDS lists no {name!r} service for account {self.conn.account_id}",
                          "check the account id; the Connector API needs sentinel, idp and asyncMessagingEnt",
                          urlsplit(self.conn.csds_url).netloc)
        try:
            check_host(host, name)
        except ValueError as exc:
            raise ApiError(STEP_CSDS, str(exc), "CSDS must list bare host names; check the CSDS URL",
                          urlsplit(self.conn.csds_url).netloc) from None
        return self._base(host)

    async def service_base(self, name: str, observer: Observer = _noop) -> str:
        """A service's base URL through CSDS, exactly as a send finds it (scheme and port included);
        LpError when CSDS fails or lists no usable host. Exports use it for the URL they print."""
        return await self._service(name, observer, [])

    def _auth(self, token: str) -> str:
        token = self._header_token(token, STEP_APPJWT)
        return f"Bearer {token}" if self.conn.auth_scheme == "bearer" else token

    def _header_token(self, token: str, step: str) -> str:
        """``token`` when it can go in a header as is; else LpError naming it, never quoting it
        (the HTTP library would refuse it with the whole token in its message)."""
        from lp_tui.model.connection import token_problem

        problem = token_problem(token)
        if problem:
            pasted = (step == STEP_APPJWT and token == self.conn.app_jwt) or \
                (step == STEP_JWS and token == self.conn.consumer_jws)
            if pasted:
                raise ConfigError(step, f"the pasted {step} {problem}",
                              f"paste the {step} again without it, or clear it (the token is not shown)")
            raise ApiError(step, f"the {step} the server gave {problem}",
                          "look at the server that minted it (the token is not shown)")
        return token

    async def app_jwt(self, observer: Observer = _noop, steps: list[Step] | None = None) -> str:
        steps = [] if steps is None else steps
        if self.conn.app_jwt:
            exp = tokens.expiry(self.conn.app_jwt)
            if exp is not None and exp <= self._clock():
                raise ConfigError(STEP_APPJWT, f"the pasted AppJWT expired at {tokens.when(exp)}",
                              "paste a fresh one, or clear it to mint one with the client id and secret")
            step = Step(STEP_APPJWT, cached=True, done=True, note="pasted")
            steps.append(step)
            await _emit(observer, step)
            return self.conn.app_jwt
        client_id = self._need("client id", self.conn.client_id, "set it in Settings (F2) in the app, or with --client-id or LP_CLIENT_ID; or paste an AppJWT", STEP_APPJWT)
        secret = self._need("client secret", self.conn.client_secret, "set it in Settings (F2) in the app, or with LP_CLIENT_SECRET or --client-secret-file", STEP_APPJWT)
        key = (self.conn.csds_url, self.conn.account_id, client_id)
        token = self._app_jwt.get(key)
        if token and tokens.fresh(token, self._clock()):
            step = Step(STEP_APPJWT, cached=True, done=True)
            steps.append(step)
            await _emit(observer, step)
            return token
        base = await self._service("sentinel", observer, steps)
        step = Step(STEP_APPJWT)
        steps.append(step)
        url = f"{base}/sentinel/api/account/{self.conn.account_id}/app/token"
        answer = await self._request(
            step, observer, "POST", url,
            params={"v": "1.0", "grant_type": "client_credentials"},
            data={"client_id": client_id, "client_secret": secret},
        )
        token = _json_field(answer, "access_token")
        if answer.status != 200 or not token:
            raise ApiError(STEP_APPJWT, f"Sentinel answered {answer.status} without an access token",
                          "check the client id and secret of the app installation", urlsplit(url).netloc, answer.status)
        self._app_jwt[key] = token
        return token

    def _app_jwt_ready(self) -> bool:
        """An AppJWT is at hand without Sentinel: pasted, or cached and fresh."""
        if self.conn.app_jwt:
            return True
        token = self._app_jwt.get((self.conn.csds_url, self.conn.account_id, self.conn.client_id))
        return bool(token and tokens.fresh(token, self._clock()))

    def _pasted_jws_mismatch(self) -> str:
        """Why the pasted ConsumerJWS is not this consumer's ("" when it may be used): LivePerson's
        ConsumerJWS names its ``ext_consumer_id``; one pasted for another consumer (a token exported
        by `lp-tui token`, then Ctrl+N) would open the conversation for that other consumer."""
        from lp_tui.text import ident

        if not self.conn.consumer_jws or not self.conn.ext_consumer_id:
            return ""
        named = tokens.claims(self.conn.consumer_jws).get("ext_consumer_id")
        if not isinstance(named, str) or named == self.conn.ext_consumer_id:
            return ""
        return (f"the pasted ConsumerJWS is for consumer {ident(named)[:80]}, not "
                f"{ident(self.conn.ext_consumer_id)[:80]}")

    async def consumer_jws(self, app_jwt: str, observer: Observer = _noop, steps: list[Step] | None = None) -> str:
        steps = [] if steps is None else steps
        mismatch = self._pasted_jws_mismatch()
        if self.conn.consumer_jws and not mismatch:
            step = Step(STEP_JWS, cached=True, done=True, note="pasted")
            steps.append(step)
            await _emit(observer, step)
            return self.conn.consumer_jws
        if mismatch and not (self.conn.client_id and self.conn.client_secret):
            raise ConfigError(STEP_JWS, mismatch,
                          "paste the ConsumerJWS of this consumer, or unset LP_CONSUMER_JWS (or the pasted one) "
                          "so that IDP is asked with the app's client credentials")
        consumer = self._need("external consumer id", self.conn.ext_consumer_id,
                              "set it in Settings (F2) in the app, or with --ext-consumer-id or LP_EXT_CONSUMER_ID; or paste a ConsumerJWS", STEP_JWS)
        key = (self.conn.csds_url, self.conn.account_id, consumer)  # one token per consumer, never shared
        if key in self._jws:
            step = Step(STEP_JWS, cached=True, done=True)
            steps.append(step)
            await _emit(observer, step)
            return self._jws[key]
        base = await self._service("idp", observer, steps)
        step = Step(STEP_JWS)
        steps.append(step)
        url = f"{base}/api/account/{self.conn.account_id}/consumer"
        answer = await self._request(
            step, observer, "POST", url, params={"v": "1.0"},
            headers={"Authorization": self._auth(app_jwt), "Content-Type": "application/json"},
            content=json.dumps({"ext_consumer_id": consumer}).encode(),
        )
        if mismatch and not step.note:
            step.note = f"{mismatch}: asked IDP"
        token = _json_field(answer, "token")
        if answer.status not in (200, 201) or not token:
            hint = "the AppJWT was refused: check the client id and secret" if answer.status == 401 else \
                "check the external consumer id and the account"
            raise ApiError(STEP_JWS, f"IDP answered {answer.status} without a token", hint,
                          urlsplit(url).netloc, answer.status)
        self._jws[key] = token
        return token

    # --- the calls --------------------------------------------------------------------
    async def create_conversation(
        self, payload: Any, client_properties: str | None = None, observer: Observer = _noop, raw: bytes | None = None,
        *, first_message: Any = None, message_id: Any = "1",
    ) -> SendResult:
        """POST the CONVERSATION batch. ``raw`` sends bytes exactly as given instead of ``payload``.

        With ``first_message``, the message is published right after a create that opened a
        conversation, as a SEND whose dialogId is the new conversationId (with the same
        Client-Properties): one more step, its result in ``result.first_message``. A create that
        opened nothing sends no message."""
        from lp_tui.model.build import dumps

        body = raw if raw is not None else dumps(payload).encode("utf-8")
        result = await self._send_api(STEP_CREATE, CONVERSATION_PATH, body, client_properties, observer)
        if first_message is None or not result.conversation_id:
            return result
        steps = result.steps

        def observe(step: Step) -> Any:  # the tokens are cached by now: only the SEND's own steps are news
            if step.cached:
                return None
            if not any(s is step for s in steps):
                steps.append(step)
            return observer(step)

        try:
            message = await self.send_message(result.conversation_id, first_message, client_properties, observe,
                                              action=STEP_FIRST_MESSAGE, request_id=message_id)
        except LpError as exc:
            result.explanations.append(Explanation(
                "The first message was not sent",
                f"The conversation {result.conversation_id} was opened, but sending the first message failed: {exc}",
                "Send it again with Ctrl+T in the app, or `lp-tui message`.", why=Why.FIRST_MESSAGE))
            return result
        message.target = result.conversation_id
        result.first_message = message
        if not message.ok:
            why = "; ".join(e.title for e in message.explanations) or f"HTTP {message.status}"
            result.explanations.append(Explanation(
                "The first message was refused",
                f"The conversation {result.conversation_id} was opened, but the SEND of the first message was "
                f"refused: {why}.",
                "See the first message's answer below; send it again with Ctrl+T in the app, or `lp-tui message`.",
                why=Why.FIRST_MESSAGE))
        return result

    async def close_conversation(self, conversation_id: str, client_properties: str | None = None,
                                 observer: Observer = _noop) -> SendResult:
        body = close_request(conversation_id)
        return await self._send_api(STEP_CLOSE, SEND_PATH,
                                    json.dumps(body).encode(), client_properties, observer)

    async def send_message(self, conversation_id: str, text: Any, client_properties: str | None = None,
                           observer: Observer = _noop, *, action: str = STEP_MESSAGE,
                           request_id: Any = "1") -> SendResult:
        from lp_tui.model.build import message_request

        body = message_request(conversation_id, text, request_id)
        return await self._send_api(action, SEND_PATH, json.dumps(body, ensure_ascii=False).encode(),
                                    client_properties, observer)

    async def send_event(self, body: Any, client_properties: str | None = None, observer: Observer = _noop,
                         *, action: str = STEP_EVENT) -> SendResult:
        """One SEND for the consumer (``model/events.py`` builds them): ``body`` a request object, serialised
        once, or bytes sent exactly as given (a raw body). Same steps, answer and explanation as the create."""
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        return await self._send_api(action, SEND_PATH, data, client_properties, observer)

    async def sandbox_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        """Where an lp-tui sandbox routed a conversation and why (production has no such read).

        Asked only of a server that said it is an lp-tui sandbox.
        """
        if not self.sandbox_version:
            return None
        return await self._sandbox_get(f"/_sandbox/conversations/{quote(conversation_id, safe='')}")

    async def sandbox_info(self) -> dict[str, Any] | None:
        """``GET /_sandbox/info`` on the CSDS URL: what sandbox this is and its rules; None elsewhere."""
        info = await self._sandbox_get("/_sandbox/info")
        if info and info.get("sandbox") == "lp-tui":
            self.sandbox_version = str(info.get("version", "?"))[:40]
            return info
        return None

    async def _sandbox_get(self, path: str) -> dict[str, Any] | None:
        import httpx

        url = f"{self.conn.csds_url.rstrip('/')}{path}"
        try:
            async with asyncio.timeout(min(self.conn.total_timeout, 10)):
                request = self._client().build_request("GET", url, headers=control_headers(self.conn, url))
                response = await self._client().send(request, stream=True)
                try:
                    answer = await read_answer(response, 1024 * 1024)
                finally:
                    await response.aclose()
            self.calls += 1
            self.sandbox_locked = answer.status == 401
            value = answer.json() if answer.status == 200 and not answer.truncated else None
        except (httpx.HTTPError, ValueError, TimeoutError, OSError, UnicodeDecodeError):
            return None
        return value if isinstance(value, dict) else None

    async def _send_api(self, action: str, path: str, body: bytes, client_properties: str | None,
                        observer: Observer) -> SendResult:
        steps: list[Step] = []
        renewed = False
        while True:
            if self._app_jwt_ready():  # no Sentinel call to look the domains up first: keep CSDS the first step
                await self._service("asyncMessagingEnt", observer, steps)
            app_jwt = await self.app_jwt(observer, steps)
            jws = await self.consumer_jws(app_jwt, observer, steps)
            base = await self._service("asyncMessagingEnt", observer, steps)
            url = api_url(base, self.conn.account_id, path)
            headers = api_headers(self._auth(app_jwt), self._header_token(jws, STEP_JWS), client_properties)
            step = Step(action)
            steps.append(step)
            answer = await self._request(step, observer, "POST", url, headers=headers, content=body)
            result = self._result(action, url, headers, body, answer, step, steps)
            if answer.status == 401 and _error_code(result.body_json) == 40102 and not self.conn.app_jwt and not renewed:
                # a cached AppJWT that LivePerson no longer accepts: renew it once and retry
                self._app_jwt.clear()
                renewed = True
                step.note = "AppJWT refused (40102); renewing once"
                await _emit(observer, step)
                continue
            result.claims = scrub_value({"AppJWT": tokens.claims(app_jwt), "ConsumerJWS": tokens.claims(jws)},
                                        self._secrets())
            return result

    def _result(self, action: str, url: str, headers: dict[str, str], body: bytes, answer: Answer,
                step: Step, steps: list[Step]) -> SendResult:
        secrets = self._secrets()
        text = scrub(answer.text(), secrets)
        parsed: Any = None
        problem = ""
        if answer.truncated:
            problem = f"the answer is larger than {self.conn.max_answer_mb:g} MB; lp-tui read only that much"
        elif answer.body:
            try:
                parsed = scrub_value(answer.json(), secrets)
            except TooDeep as exc:
                problem = f"the answer is {exc}"
            except (ValueError, UnicodeDecodeError):
                parsed = None
        subs: list[SubResult] = []
        items = parsed if isinstance(parsed, list) else [parsed] if isinstance(parsed, dict) and "reqId" in parsed else []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                subs.append(SubResult(i, item.get("reqId"), item.get("code"), item.get("body")))
            else:
                subs.append(SubResult(i, None, None, item))
        conv_id, conv_problem = conversation_id_of(action == STEP_CREATE, subs)
        explanations = explain(answer.status, parsed, subs)
        for note in (problem, conv_problem):
            if note:
                explanations.insert(0, unexpected(note))
        return SendResult(
            action=action,
            url=url,
            status=answer.status,
            elapsed=step.elapsed,
            request_headers=mask_headers(headers),
            request_body=scrub(body.decode("utf-8", errors="replace"), secrets),
            response_headers={k: scrub(v, secrets) for k, v in answer.headers.items()},
            body_text=text,
            body_json=parsed,
            subs=subs,
            conversation_id=conv_id,
            explanations=explanations,
            steps=list(steps),
            consumer_id=self.conn.ext_consumer_id,
            truncated=answer.truncated,
            sandbox=bool(self.sandbox_version),
        )


async def _emit(observer: Observer, step: Step) -> None:
    result = observer(step)
    if asyncio.iscoroutine(result):
        await result


def _error_code(body: Any) -> Any:
    if isinstance(body, dict) and isinstance(body.get("body"), dict):
        return body["body"].get("errorCode")
    return None


def _json_field(answer: Answer, name: str) -> str | None:
    try:
        value = answer.json().get(name)
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, str) and value and len(value) <= 16_384 else None

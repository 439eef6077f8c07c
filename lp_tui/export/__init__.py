"""What leaves lp-tui: the request as curl or Python, evidence of a send, a diff of two sends.

Pure functions from a request or a history record to text, shared by the command line, the
app's palette and the tests. No Textual, no HTTP here. Nothing produced here carries a secret:
tokens appear as environment variable references, headers are masked, the push token the body
may carry is replaced by a reference or masked, and anything shaped like a JWT is masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CONVERSATION_PATH = "/messaging/consumer/conversation?v=3"
SEND_PATH = "/messaging/consumer/conversation/send?v=3"  # the consumer's SENDs after the create
PUSH_TOKEN_VAR = "LP_PUSH_TOKEN"


@dataclass
class RequestSpec:
    """The create call as the preview shows it, and where it would go."""

    body: str  # the body text, exactly as the request pane shows it and a send sends it
    account: str | None = None  # the account id, when known
    base_url: str | None = None  # scheme://host[:port] of asyncMessagingEnt, resolved through CSDS
    client_properties: str | None = None  # the Client-Properties header value, when set
    push_tokens: list[str] = field(default_factory=list)  # secrets the body carries (secret_values)
    bearer: bool = False  # "Bearer <AppJWT>" instead of the bare token
    source: str = ""  # where the request came from (a preset name or path), shown in the script as a comment
    first_message: Any = None  # a first message sent right after the create, as a SEND (None: none)
    message_id: Any = "1"  # that SEND's request id
    scheme: str = ""  # http or https: the CSDS URL's (service hosts come bare); curl uses it with $LP_HOST
    path: str = CONVERSATION_PATH  # SEND_PATH for a SEND after the create (one request object, not a batch)

    @property
    def url(self) -> str | None:
        """The CONVERSATION URL when the host is known, as a send would build it."""
        if self.base_url is None or not self.account:
            return None
        return f"{self.base_url}/api/account/{self.account}{self.path}"


def spec_from_draft(draft: Any, account: str | None, base_url: str | None = None, *, bearer: bool = False,
                    source: str = "", scheme: str = "") -> RequestSpec:
    """A RequestSpec from a draft, built by the one builder (what the preview shows)."""
    from lp_tui.model.build import build_payload, client_properties_header, dumps, first_message_after, secret_values

    payload = build_payload(draft, account)
    return RequestSpec(dumps(payload), account or None, base_url, client_properties_header(draft),
                       secret_values(payload), bearer, source, first_message=first_message_after(draft),
                       message_id=draft.get("ids.message") if draft.has("ids.message") else "1", scheme=scheme)


def spec_from_text(body: str, account: str | None, base_url: str | None = None, *,
                   client_properties: str | None = None, bearer: bool = False, source: str = "",
                   scheme: str = "", path: str = CONVERSATION_PATH) -> RequestSpec:
    """A RequestSpec from body text (raw mode: sent exactly as written; ``path`` SEND_PATH for a SEND)."""
    from lp_tui.model.build import secret_values_of_text

    return RequestSpec(body, account or None, base_url, client_properties, secret_values_of_text(body), bearer,
                       source, scheme=scheme, path=path)


from lp_tui.redact import encoded_forms  # noqa: E402  (how a secret appears inside a JSON string)


def split_at_secrets(text: str, secrets: list[str]) -> list[str | None]:
    """``text`` cut where a secret appears: text pieces, with None where a secret stood."""
    forms = sorted({f for s in secrets if s for f in encoded_forms(s)}, key=len, reverse=True)
    pieces: list[str | None] = []
    rest = text
    while forms:
        hits = [(rest.find(f), f) for f in forms if f in rest]
        if not hits:
            break
        at, form = min(hits)
        pieces.append(rest[:at])
        pieces.append(None)
        rest = rest[at + len(form):]
    pieces.append(rest)
    return pieces


def clean(value: Any, secrets: list[str]) -> Any:
    """``value`` (parsed JSON, or text) with known secrets and anything shaped like a JWT masked,
    and the secret request headers masked wherever a ``headers`` table stands."""
    from lp_tui.redact import mask_headers, mask_jwts, scrub, secret_forms

    found = secret_forms(secrets)

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, str):
            return mask_jwts(scrub(node, found))
        if isinstance(node, dict):
            out = {walk(k): walk(v, k) for k, v in node.items()}
            return mask_headers(out) if key == "headers" else out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(value)

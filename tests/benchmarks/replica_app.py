"""The start-up reference: a replica of lp-tui's first screen with none of lp-tui's code.

The same Textual widget types and counts that lp-tui shows at its first paint: a status line,
two tab sets (six form tabs, four pane tabs, every hidden tab a ``Lazy``), the Customer form (a
grid of labels and compact inputs, two date rows, a group title), the help line, the request
pane (a header, a line-virtualised JSON view, the prediction line, the findings title and an
OptionList) and a compact footer with as many keys. Its text is the same size as lp-tui's, so
what it paints costs the same. Whatever lp-tui takes beyond this is lp-tui's own work.

    python tests/benchmarks/replica_app.py
"""

from __future__ import annotations

import json
import re

from rich.segment import Segment
from rich.style import Style
from textual import lazy
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, OptionList, Static, TabbedContent, TabPane

FIELDS = [("Customer id", "138766AC"), ("Social id", "1234567890"), ("IMEI", "3543546543545688"),
          ("User name", "user000"), ("Customer type", "vip"), ("Customer status", "cancelled"),
          ("Balance", "-400.99"), ("Currency", "USD"), ("Company size", "500"), ("Company branch", "ACME"),
          ("Account name", "bank corp"), ("Role", "broker"), ("Last payment date", None),
          ("Registration date", None), ("Login status", "0"), ("Store zip code", "20505"),
          ("Store number", "123865"), ("Authentication (auth)", "title"), ("Auth methods (amr)", "pwd"),
          ("Auth issuer (iss)", "https://idp.example.com")]
BODY = json.dumps([{"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
                   {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation",
                    "body": {"channelType": "MESSAGING", "brandId": "12345678"}}], indent=2)
URL = "POST http://127.0.0.1:40000/api/account/12345678/messaging/consumer/conversation?v=3"
HEADERS = ("\nContent-Type: application/json\nAuthorization: ‹AppJWT, minted by Sentinel at send›\n"
           "X-LP-ON-BEHALF: ‹ConsumerJWS for consumer lp-tui-0a1b2c3d›")
TOKEN = re.compile(r'(?P<key>"[^"]*"(?=\s*:))|(?P<str>"[^"]*")|(?P<num>-?\d+)')

CSS = """
#status { height: 1; background: $panel; padding: 0 1; }
#main { height: 1fr; }
#left { width: 1fr; border-right: vkey $primary 40%; }
#right { width: 1fr; }
TabbedContent { height: 1fr; }
TabPane { padding: 0; }
#form { padding: 0 1; layout: grid; grid-size: 2; grid-columns: 24 1fr; grid-rows: auto; grid-gutter: 1 0;
        height: 1fr; }
#form > Label { color: $text-muted; }
#form .title { column-span: 2; text-style: bold; color: $accent; }
#form .dates { height: 1; }
#form .dates Input { width: 1fr; margin-right: 1; }
#summary { display: none; }
#help { height: auto; min-height: 2; max-height: 4; padding: 0 1; color: $text-muted; background: $boost; }
#request-line { height: auto; padding: 0 1; background: $boost; }
#body { height: 1fr; background: $surface; }
#prediction, #findings-title { height: auto; padding: 0 1; background: $boost; }
#findings { height: auto; max-height: 10; border: none; }
"""


class Lazy(lazy.Lazy):
    """Textual's Lazy, but quitting before it mounts is no error (Textual's raises MountError)."""

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        parent = self.parent
        if not isinstance(parent, Widget):
            return

        async def mount() -> None:
            if parent.is_attached:
                await parent.mount(self._replace_widget, after=self)
                await self.remove()

        self.call_after_refresh(mount)


class LinesView(ScrollView):
    """Text drawn line by line, only the lines on screen, keys and strings coloured."""

    def __init__(self, text: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lines = text.split("\n")
        self.virtual_size = Size(max(map(len, self.lines)) + 1, len(self.lines))

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        styles = {"key": Style(color="cyan", bold=True), "str": Style(color="green"), "num": Style(color="yellow")}
        line, segments, pos = self.lines[index], [], 0
        for match in TOKEN.finditer(line):
            segments += [Segment(line[pos:match.start()]), Segment(match.group(), styles[match.lastgroup or "str"])]
            pos = match.end()
        segments.append(Segment(line[pos:]))
        return Strip(segments).crop_extend(self.scroll_offset.x, self.scroll_offset.x + width, self.rich_style)


class Replica(App[None]):
    CSS = CSS
    BINDINGS = [Binding(key, f"nothing({i})", label) for i, (key, label) in enumerate((
        ("ctrl+s", "Send"), ("ctrl+r", "Close"), ("ctrl+t", "Msg"), ("ctrl+n", "New id"), ("f8", "View"),
        ("f9", "Routing"), ("f10", "Timeline"), ("f6", "Raw"), ("f1", "Help"), ("f5", "Copy id"), ("f7", "Clear"),
        ("f2", "Setup"), ("f3", "Presets"), ("f4", "History")))] + [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def compose(self) -> ComposeResult:
        yield Static(" SANDBOX   account 12345678 · consumer lp-tui-0a1b2c3d · http://127.0.0.1:40000", id="status")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                with TabbedContent():
                    with TabPane("Customer"):
                        with VerticalScroll(id="form"):
                            for label, example in FIELDS:
                                if example == "title":
                                    yield Static(label, classes="title")
                                    continue
                                yield Label(label)
                                if example is None:
                                    yield Horizontal(*[Input(placeholder=f"e.g. {p}", compact=True)
                                                       for p in ("15", "10", "2014")], classes="dates")
                                else:
                                    yield Input(placeholder=f"e.g. {example}", compact=True)
                    for name in ("Personal", "Profile", "Routing", "Envelope", "Raw JSON"):
                        with TabPane(name):
                            yield Lazy(Static(name))
                yield Static(id="summary")
                yield Static("Customer id (string). Unique customer id. Example: 138766AC", id="help")
            with Vertical(id="right"):
                with TabbedContent():
                    with TabPane("Request"):
                        with Vertical():
                            yield Static(URL + HEADERS, id="request-line")
                            yield LinesView(BODY, id="body")
                            yield Static("Routing → General, rule ‘otherwise any skill’", id="prediction")
                            yield Static("Findings: 1 info  (Enter on one jumps to its field)", id="findings-title")
                            yield OptionList("· $[0].body: no SDEs and no profile: the agent sees no consumer info — "
                                             "fill Customer Info, Personal Info or Profile", id="findings")
                    for name in ("Response", "Routing", "Timeline"):
                        with TabPane(name):
                            yield Lazy(Static(name))
        yield Footer(compact=True)

    def action_nothing(self, which: int) -> None:
        """The keys are there to fill the footer as lp-tui's do."""

    def on_mount(self) -> None:
        self.query_one("#form Input").focus()


if __name__ == "__main__":
    Replica().run()

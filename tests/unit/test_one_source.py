"""One source for each fact: the field table and the connection table are read, never copied.

The draft, the validator, the forms, the builder and masking take dates, formats, contacts and
secrets from ``model/fields.py``; connection defaults and secret marks come from
``model/connection.py``'s SETTINGS; code compares step and explanation codes, never their titles.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from lp_tui.lp import errors
from lp_tui.lp.results import StepCode
from lp_tui.model import build, fields as F
from lp_tui.model.connection import SECRET_NAMES, SETTINGS, Connection, RetryPolicy
from lp_tui.model.draft import Draft
from lp_tui.model.validate import validate

LP_TUI = Path(__file__).resolve().parents[2] / "lp_tui"
SOURCES = sorted(LP_TUI.rglob("*.py"))


def _lines(skip: tuple[str, ...] = ()):
    for path in SOURCES:
        rel = path.relative_to(LP_TUI.parent).as_posix()
        if rel in skip:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield f"{rel}:{number}", line


def _offenders(pattern: re.Pattern[str], skip: tuple[str, ...] = ()) -> list[str]:
    return [f"{where}: {line.strip()}" for where, line in _lines(skip) if pattern.search(line)]


def test_no_field_is_recognised_by_its_name():
    """Dates are the table's DATE kind, not names ending in "Date"."""
    assert _offenders(re.compile(r"""endswith\(\s*["'][A-Za-z]*Date["']""")) == []


TITLES = sorted({code.value for code in StepCode} | {e.title for e in errors.AUTH_ERRORS.values()}
                | {errors.OPEN_CONVERSATION.title, errors.CLOSED_CONVERSATION.title})


def test_no_step_or_explanation_is_recognised_by_its_title():
    """Code compares StepCode and Why; a title is only ever shown (or written, as history's action)."""
    quoted = "|".join(re.escape(t) for t in TITLES)
    literal = re.compile(rf"""(==|!=|\bin|startswith\()\s*\(?\s*["']({quoted})|["']({quoted})["']\s*(==|!=)""")
    by_title = re.compile(r"""\.title\s*(==|!=|\.startswith|\.endswith|\bin\b)""")
    assert _offenders(literal) == []
    assert _offenders(by_title, skip=("lp_tui/ui/app.py",)) == []  # app.py compares two notifications' titles


def test_no_contact_list_push_token_path_or_secret_list_outside_the_tables():
    contact_list = re.compile(r"""["']email["']\s*,\s*["']phone["']""")
    token_path = re.compile(r"""["']pushNotificationData["']\s*,\s*["']token["']|pushNotificationData\.token""")
    assert _offenders(contact_list, skip=("lp_tui/model/fields.py",)) == []
    assert _offenders(token_path, skip=("lp_tui/model/fields.py",)) == []
    # a literal naming three or more of the secret settings is a copy of the table's secret marks
    names = "|".join(SECRET_NAMES)
    secret_list = re.compile(rf"""((["']|self\.)({names})\b.*){{3,}}""")
    assert _offenders(secret_list, skip=("lp_tui/model/connection.py",)) == []


# --- a date field the table gains is a date everywhere, whatever its name ---------------------------

EXPIRY = "consumer.expiry"  # a made-up DATE field whose name does not end in "Date"


@pytest.fixture
def table_with_expiry(monkeypatch):
    added = tuple(dataclasses.replace(f, path=f.path.replace("consumer.lastPaymentDate", EXPIRY), label="Expiry")
                  for f in F.FIELDS if f.path.startswith("consumer.lastPaymentDate"))
    assert added[0].kind == F.DATE
    table = F.FIELDS + added
    monkeypatch.setattr(F, "FIELDS", table)
    monkeypatch.setattr(F, "BY_PATH", {f.path: f for f in table})
    F.child_order.cache_clear()
    yield
    F.child_order.cache_clear()


def _date_paths() -> list[str]:
    return [f.path for f in F.FIELDS if f.kind == F.DATE]


def test_every_date_field_of_the_table_is_named_by_date_paths():
    assert list(F.DATE_PATHS) == _date_paths() and len(F.DATE_PATHS) >= 2


@pytest.mark.parametrize("extra", [False, True], ids=["the table", "a new date field"])
def test_every_date_field_is_a_date_to_the_draft_the_validator_and_the_form(extra, request):
    if extra:
        request.getfixturevalue("table_with_expiry")
    paths = _date_paths()
    assert (EXPIRY in paths) == extra
    for path in paths:
        key = path.split(".", 1)[1]
        # the draft: YYYY-MM-DD becomes the three parts
        draft = Draft()
        draft.set_text(path, "2024-02-29")
        assert draft.get(path) == {"day": 29, "month": 2, "year": 2024}, path
        # the validator: a part missing, or out of range, is warned at that field
        draft.unset(f"{path}.year")
        draft.set_value(f"{path}.month", 13)
        found = {(f.field, f.message) for f in validate(build.build_payload(draft, "12345678"), "12345678")}
        assert (path, "date is missing year") in found, path
        assert (f"{path}.month", "month 13 is out of range") in found, path
        assert key in F.child_order("consumer")
    # the form: one row of day, month and year inputs per date field
    from textual.containers import Horizontal

    from lp_tui.ui.widgets.fields import FieldInput, SectionForm

    rows = [w for w in SectionForm("consumer").compose() if isinstance(w, Horizontal) and w.has_class("date-parts")]
    shown = [[c.path for c in row._pending_children if isinstance(c, FieldInput)] for row in rows]
    assert shown == [[f"{p}.{part}" for part in F.DATE_PARTS] for p in paths if p.startswith("consumer.")]


def test_every_secret_field_is_masked_from_the_built_body():
    """Each field the table marks secret is found in the built body, so history and exports mask it."""
    assert F.SECRET_PATHS
    draft = Draft()
    values = {}
    for i, path in enumerate(F.SECRET_PATHS):
        values[path] = f"secret-value-{i}-0123456789"
        draft.set_text(path, values[path])
    assert sorted(build.secret_values(build.build_payload(draft, "12345678"))) == sorted(values.values())


def test_contact_fields_are_the_tables_contact_leaves():
    leaves = [f.path for f in F.FIELDS if f.path.startswith(f"{F.CONTACTS}.*.") and f.is_leaf]
    assert [f"{F.CONTACTS}.*.{key}" for key in F.CONTACT_FIELDS] == leaves


def test_formats_are_the_tables():
    """The validator warns of a value off its field's format at that field, with the table's hint."""
    for spec in (f for f in F.FIELDS if f.format is not None and "*" not in f.path and ".auth." not in f.path):
        draft = Draft()
        draft.set_value(spec.path, "x y")
        found = [f for f in validate(build.build_payload(draft, "12345678"), "12345678") if f.field == spec.path]
        assert any(f.hint == spec.format.hint and repr("x y") in f.message for f in found), spec.path


# --- the connection table ------------------------------------------------------------------------------

def test_connection_defaults_are_the_tables():
    conn = Connection()
    for setting in SETTINGS:
        assert conn.get(setting.name) == setting.default, setting.name
    assert RetryPolicy().delays_5xx is not RetryPolicy().delays_5xx  # each connection its own list


def test_secrets_are_the_settings_marked_secret():
    conn = Connection()
    for i, setting in enumerate(SETTINGS):
        if setting.kind in ("text", "secret"):
            conn.set(setting.name, f"value-{i}", "test")
    assert conn.secrets() == [f"value-{i}" for i, s in enumerate(SETTINGS) if s.secret]
    assert SECRET_NAMES == tuple(s.name for s in SETTINGS if s.secret)


def test_errors_are_typed():
    """Each kind of failure is its own class; the command line's exit code follows from it."""
    assert errors.TransportError("s", "m").exit_code == errors.EXIT_TRANSPORT
    assert errors.ConfigError("s", "m").exit_code == errors.EXIT_USAGE
    assert errors.ApiError("s", "m").exit_code == errors.EXIT_API
    assert all(issubclass(c, errors.LpError) for c in (errors.TransportError, errors.ConfigError, errors.ApiError,
                                                        errors.SendCancelled))
    closed = errors.explain(200, None, [type("Sub", (), {"ok": False, "code_text": "BAD", "message":
                                                         "Conversation is closed", "code": "BAD", "body": {},
                                                         "position": 0})()])
    assert [e.why for e in closed] == [errors.Why.CLOSED_CONVERSATION]

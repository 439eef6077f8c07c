"""The mutation check of the boundary modules: does breaking a guard make a test fail?

    .venv/bin/pip install -e '.[mutation]'
    .venv/bin/python tests/mutation.py                 # both parts below
    .venv/bin/python tests/mutation.py --listed        # only the listed mutants (no mutmut needed)
    .venv/bin/python tests/mutation.py --mutmut        # only mutmut
    .venv/bin/python tests/mutation.py text limits     # only these modules (names from MODULES)

Two parts, each against the FAST tests of each module only (no app, no sandbox, no subprocess):

1. The listed mutants: the guards a silent regression would hurt most (escaping, bounds, masking,
   webhook checks, the client's caches and renewal, the builder, the validator's rule edges),
   each broken by hand as a textual replacement in a copy of the tree. Each must make a test
   fail; the first failing test is printed.
2. mutmut 3 over the same modules (configured in pyproject.toml, [tool.mutmut]). Survivors that
   are equivalent (no behaviour changes, see EQUIVALENT with the reason) are counted apart; any
   other survivor is printed with its diff.

Prints killed, survived and equivalent per module, and exits 1 when a listed mutant survives or
when mutmut leaves an unexplained survivor in a strict module (the display boundary, the bounds,
masking, the webhook signature check). mutmut works in mutants/ (git-ignored); it is removed
when the check ends unless --keep is given.

Not a test file: pytest does not collect it (it is not named test_*.py).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PYTEST_ARGS = ["-q", "-x", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider", "--no-header", "-rf"]

# module name -> (file, its fast tests, strict: every mutmut survivor must be killed or explained).
# mutmut runs the tests pyproject.toml's [tool.mutmut] selects: keep the two lists together.
MODULES: dict[str, tuple[str, list[str], bool]] = {
    "text": ("lp_tui/text.py", ["tests/unit/test_edges_text.py", "tests/unit/test_text_and_limits.py"], True),
    "limits": ("lp_tui/limits.py", ["tests/unit/test_edges_limits.py", "tests/unit/test_text_and_limits.py"], True),
    "redact": ("lp_tui/redact.py", ["tests/unit/test_edges_redact.py"], True),
    "webhooks": ("lp_tui/lp/webhooks.py", ["tests/unit/test_edges_webhooks.py", "tests/unit/test_webhooks.py"], True),
    "receiver": ("lp_tui/lp/receiver.py", ["tests/unit/test_edges_webhooks.py"], False),
    "client": ("lp_tui/lp/client.py", ["tests/unit/test_edges_client.py"], False),
    "build": ("lp_tui/model/build.py", ["tests/unit/test_edges_build.py", "tests/unit/test_build.py",
                                        "tests/unit/test_reverse.py"], False),
    "validate": ("lp_tui/model/validate.py", ["tests/unit/test_edges_validate.py", "tests/unit/test_validate.py"], False),
    # the field table holds the validator's formats (e-mail, language, phone, URLs, ...)
    "fields": ("lp_tui/model/fields.py", ["tests/unit/test_edges_validate.py", "tests/unit/test_validate.py"], False),
}
# In webhooks.py only the signature check is strict: the parser follows LivePerson's shapes as they change.
STRICT_FUNCTIONS = {"webhooks": {"check", "sign", "ǁCredentialsǁ__repr__"}}


@dataclass(frozen=True)
class Mutant:
    module: str  # a key of MODULES
    what: str  # the guard that is broken, in words
    old: str  # source text, found exactly once in the module
    new: str


LISTED = [
    # --- the display boundary: each character class dropped from the regex (spans, and the tests' is_safe) or from the
    # translate tables (safe, safe_json), and one-line places that stop escaping tab and newline
    Mutant("text", "bidi isolates U+2066-2069 dropped from the unsafe pattern", r"\u2066-\u2069", ""),
    Mutant("text", "bidi isolates U+2066-2069 dropped from the unsafe ranges", "(0x2066, 0x2069), ", ""),
    Mutant("text", "Arabic letter mark U+061C dropped from the unsafe pattern", r"\u061c", ""),
    Mutant("text", "Arabic letter mark U+061C dropped from the unsafe ranges", "(0x61C, 0x61C), ", ""),
    Mutant("text", "the BOM U+FEFF dropped from the unsafe pattern", r"\ufeff", ""),
    Mutant("text", "the BOM U+FEFF dropped from the unsafe ranges", "(0xFEFF, 0xFEFF), ", ""),
    Mutant("text", "line/paragraph separators dropped from the unsafe pattern", r"\u2028\u2029", ""),
    Mutant("text", "line/paragraph separators dropped from the unsafe ranges", "(0x2028, 0x2029), ", ""),
    Mutant("text", "one-line spans stop escaping tab and newline", 'UNSAFE.pattern[:-1] + "\\t\\n]"', "UNSAFE.pattern"),
    Mutant("text", "one-line safe() stops escaping tab and newline",
           '_TABLE_LINE = {**_TABLE, ord("\\n"): "\\\\n", ord("\\t"): "\\\\t"}', "_TABLE_LINE = _TABLE"),
    # --- bounds
    Mutant("limits", "the TOML depth check removed",
           "raise TooDeep(limit) from None\n    return check_depth(value, limit)\n\n\nclass NotRegularFile",
           "raise TooDeep(limit) from None\n    return value\n\n\nclass NotRegularFile"),
    Mutant("limits", "the depth walk stops at the first scalar", "else:\n            continue", "else:\n            break"),
    Mutant("limits", "loads_json ignores a custom depth limit",
           "raise TooDeep(limit) from None\n    return check_depth(value, limit)\n\n\ndef loads_toml",
           "raise TooDeep(limit) from None\n    return check_depth(value)\n\n\ndef loads_toml"),
    Mutant("limits", "the file size cap ten times larger", "MAX_FILE_BYTES = 8 * 1024 * 1024",
           "MAX_FILE_BYTES = 80 * 1024 * 1024"),
    Mutant("limits", "a file read to its end before the cap is checked",
           'open(path, "rb") as handle:\n            data = handle.read(limit + 1)',
           'open(path, "rb") as handle:\n            data = handle.read()'),
    Mutant("limits", "a FIFO opened blocking: a folder of presets with a pipe in it hangs",
           "os.O_RDONLY | os.O_NONBLOCK |", "os.O_RDONLY |"),
    Mutant("limits", "anything but a folder read as a file", "if not stat.S_ISREG(mode):", "if stat.S_ISDIR(mode):"),
    Mutant("webhooks", "the webhook body cap ten times larger", "MAX_BODY_BYTES = 1024 * 1024",
           "MAX_BODY_BYTES = 10 * 1024 * 1024"),
    Mutant("webhooks", "the change-list cap ten times larger", "MAX_CHANGES = 200", "MAX_CHANGES = 2000"),
    Mutant("webhooks", "the text cap ten times larger", "MAX_TEXT = 4000", "MAX_TEXT = 40000"),
    Mutant("webhooks", "the notification depth ten times larger", "MAX_DEPTH = 32", "MAX_DEPTH = 320"),
    Mutant("receiver", "the receiver's body cap ten times larger", "max_body: int = MAX_BODY_BYTES",
           "max_body: int = 10 * MAX_BODY_BYTES"),
    # --- masking
    Mutant("redact", "dictionary keys go unscrubbed", "{walk(k): walk(v) for k, v in node.items()}",
           "{k: walk(v) for k, v in node.items()}"),
    Mutant("redact", "mask() shows the first 10 characters of any long secret",
           'secret[:10] if secret.startswith("eyJ") and len(secret) > 40', "secret[:10] if len(secret) > 40"),
    Mutant("redact", "a secret's forms replaced shortest first", "sorted(forms, key=len, reverse=True)",
           "sorted(forms, key=len)"),
    Mutant("client", "an answer body goes unscrubbed of tokens", "text = scrub(answer.text(), secrets)",
           "text = answer.text()"),
    # --- webhooks: the signature and the ids
    Mutant("webhooks", "the algorithm name becomes case-sensitive", "algorithm = algorithm.strip().lower()",
           "algorithm = algorithm.strip()"),
    Mutant("webhooks", "a duplicated client-id or account-id header is accepted",
           "if len(values) > 1 or values[0].strip() != wanted:", "if values[0].strip() != wanted:"),
    Mutant("webhooks", "an empty client id skips the account-id check too",
           "if not wanted:\n            continue", "if not wanted:\n            break"),
    Mutant("webhooks", "negative integers pass as sequences", "-1 <= value < 2**53", "value < 2**53"),
    Mutant("webhooks", "the test for the MAIN dialog inverted", 'd.get("dialogType") == MAIN_DIALOG',
           'd.get("dialogType") != MAIN_DIALOG'),
    # --- the client
    Mutant("client", "the AppJWT cache ignores the client id",
           "key = (self.conn.csds_url, self.conn.account_id, client_id)",
           "key = (self.conn.csds_url, self.conn.account_id)"),
    Mutant("client", "40102 renewal runs for a pasted AppJWT", "and not self.conn.app_jwt and not renewed",
           "and not renewed"),
    Mutant("client", "40102 renewal repeats without its once-guard", "and not self.conn.app_jwt and not renewed",
           "and not self.conn.app_jwt"),
    Mutant("client", "the pasted token's expiry boundary moves", "exp is not None and exp <= self._clock()",
           "exp is not None and exp < self._clock()"),
    Mutant("client", "the domain cache lives a tick too long", "cached and cached[0] > self._clock()",
           "cached and cached[0] >= self._clock()"),
    Mutant("client", "a 400 stops being a failed step", "step.failed = answer.status >= 400",
           "step.failed = answer.status > 400"),
    # --- the builder
    Mutant("build", "the JSON written with non-ASCII escaped", "text = json.dumps(payload, ensure_ascii=False, **kwargs)",
           "text = json.dumps(payload, ensure_ascii=True, **kwargs)"),
    Mutant("build", "empty lists stop being pruned", "if child == {} or child == []:", "if child == {}:"),
    Mutant("build", "empty items in lists stop being pruned",
           "return [item for item in items if item != {} and item != []]", "return items"),
    Mutant("build", "Client-Properties keys lose their documented order",
           '_ordered(draft.data.get("clientProperties", {}), "clientProperties")',
           '_ordered(draft.data.get("clientProperties", {}), "clientProperties.unordered")'),
    Mutant("build", "an empty brandId replaced by the account", 'if "brandId" not in conv and account_id:',
           'if not conv.get("brandId") and account_id:'),
    # --- the validator: twelve rule edges moved or dropped, and the picture URL rule
    Mutant("validate", "December out of range", "_is_int(month) and not 1 <= month <= 12:",
           "_is_int(month) and not 1 <= month <= 11:"),
    Mutant("validate", "age 0-100", "not 0 <= age <= 150", "not 0 <= age <= 100"),
    Mutant("fields", "an e-mail domain without a dot accepted", r'EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")',
           r'EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")'),
    Mutant("fields", "a language with _ warned", 'LANG_RE = re.compile(r"^[a-z]{2}[-_][A-Z]{2}$")',
           'LANG_RE = re.compile(r"^[a-z]{2}[-][A-Z]{2}$")'),
    Mutant("validate", "the Client-Properties length cap moved", "len(value) > MAX_CLIENT_PROPERTY",
           "len(value) >= MAX_CLIENT_PROPERTY"),
    Mutant("validate", "the request size cap moved", "if size > MAX_REQUEST_CHARS:", "if size > MAX_REQUEST_CHARS + 1:"),
    Mutant("validate", "id length 1-63", "not 1 <= len(rid) <= 64", "not 1 <= len(rid) <= 63"),
    Mutant("validate", "the leap-year default dropped", "1 <= year <= 9999 else 2000, month",
           "1 <= year <= 9999 else 2001, month"),
    Mutant("validate", "the year range moved", "not 1900 <= year <= 2100", "not 1900 <= year <= 2099"),
    Mutant("fields", "the phone's digit count moved", "PHONE_DIGITS = 5", "PHONE_DIGITS = 4"),
    Mutant("validate", "a second SDE of one kind not warned", "        seen.add(kind)\n", ""),
    Mutant("validate", "the skillId-with-campaign note dropped",
           'if "skillId" in body and isinstance(campaign, dict) and campaign:',
           'if "skillId" in body and isinstance(campaign, dict) and not campaign:'),
    Mutant("fields", "the avatar URL format dropped",
           'format=Format(HTTP_URL_RE, "avatarUrl", "is not an http(s) URL", PICTURE_HINT, empty_ok=True)',
           "format=None"),
    Mutant("validate", "the field table's formats never checked", "if spec.format is not None and isinstance(text, str):",
           "if spec.format is not None and isinstance(text, bytes):"),
]


@dataclass(frozen=True)
class Equivalent:
    module: str
    removed: str  # the line mutmut changed, stripped
    added: str  # what it became, stripped
    why: str


EQUIVALENT = [
    Equivalent("text", "value = text if isinstance(text, str) else str(text)",
               "value = text if (isinstance(text, str)) and False else str(text)",
               "str() of a str is the same text"),
    Equivalent("text", "if limit is not None and len(value) > limit:  # escapes only lengthen: cut first, then again after",
               "if limit is not None and len(value) >= limit:  # escapes only lengthen: cut first, then again after",
               "cutting a text of exactly `limit` characters to limit + 1 leaves it as it is"),
    Equivalent("text", "value = value[: limit + 1]", "value = value[: limit + 2]",
               "the first cut only saves work: the second keeps limit - 1 characters either way"),
    Equivalent("limits", "data = handle.read(limit + 1)", "data = handle.read(limit + 2)",
               "one byte more read of a file that is refused anyway"),
    Equivalent("text", 'value = safe((text if isinstance(text, str) else str(text)).replace("\\r\\n", "\\n"))',
               'value = safe((text if (isinstance(text, str)) and False else str(text)).replace("\\r\\n", "\\n"))',
               "str() of a str is the same text"),
    Equivalent("text", "if limit is not None and len(value) > limit:", "if limit is not None and len(value) >= limit:",
               "ident: cutting a text of exactly `limit` characters to limit + 1 leaves it as it is"),
    *[Equivalent("text", 'return "it is not an id"  # pragma: no cover (every character was checked)',
                 f'return "{b}"  # pragma: no cover (every character was checked)',
                 "unreachable: a text the id pattern refuses has a character it refuses, named above")
      for b in ("XXit is not an idXX", "IT IS NOT AN ID")],
    Equivalent("text",
               "out.append((match.group().translate(_TABLE_ID) if as_id else escape_char(match.group()), True))",
               "out.append((match.group().translate(_TABLE_ID) if (as_id) or True else escape_char(match.group()), True))",
               "for every character UNSAFE and UNSAFE_LINE match, _TABLE_ID holds escape_char's own escape"),
    *[Equivalent("limits", 'fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))',
                 f"fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | {b})",
                 "os.open makes every descriptor non-inheritable already (PEP 446): O_CLOEXEC only says it again")
      for b in ('getattr(None, "O_CLOEXEC", 0)', 'getattr(os, "O_CLOEXEC", None)', 'getattr(os, "O_CLOEXEC", )',
                'getattr(os, "XXO_CLOEXECXX", 0)', 'getattr(os, "o_cloexec", 0)', 'getattr(os, "O_CLOEXEC", 1)')],
    Equivalent("limits", "os.set_blocking(fd, True)", "os.set_blocking(fd, False)",
               "only a regular file gets here, and reading a regular file never blocks"),
    Equivalent("limits", "fd = -1  # the handle closes it", "fd = -2  # the handle closes it",
               "any negative value tells the `finally` the handle closes the descriptor"),
    Equivalent("limits", "data = handle.read(limit + 1)", "data = handle.read(None)",
               "a regular file read whole instead of limit + 1 bytes: the same refusal, only more memory"),
    *[Equivalent("limits", "if fd >= 0:", f"if {b}:",
                 "descriptor 0 is standard input, open all along: os.open never returns it")
      for b in ("fd > 0", "fd >= 1")],
    Equivalent("redact", 'forms = [secret, repr(secret)[1:-1], repr(secret.encode("utf-8", "surrogatepass"))[2:-1],',
               'forms = [secret, repr(secret)[1:-1], repr(secret.encode("UTF-8", "surrogatepass"))[2:-1],',
               "codec names are case-insensitive"),
    Equivalent("redact", "heads = {form[: _least_run(form)]: form for form in forms if len(form) > _least_run(form)}",
               "heads = {form[: _least_run(form)]: form for form in forms if len(form) >= _least_run(form)}",
               "a form no longer than its least run is its own head, and the first pass already masked it whole"),
    Equivalent("redact", "pos = 0", "pos = None", "str.find and slicing read a start of None as 0"),
    Equivalent("redact", "whole = any(end - start == len(form) for form in matching)", "whole = None",
               "the first pass masked every whole form, so no match left is whole: `whole` is False when read"),
    Equivalent("redact", "forms = [json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1]]",
               "forms = [json.dumps(secret, ensure_ascii=None)[1:-1], json.dumps(secret)[1:-1]]",
               "json.dumps reads ensure_ascii as a truth value: None is False"),
    Equivalent("webhooks", "signatures = found.get(SIGNATURE, [])", "signatures = found.get(SIGNATURE, None)",
               "None and [] are both refused by the `not signatures` test"),
    Equivalent("webhooks", "signatures = found.get(SIGNATURE, [])", "signatures = found.get(SIGNATURE, )",
               "None and [] are both refused by the `not signatures` test"),
    Equivalent("webhooks", "values = found.get(header, [])", "values = found.get(header, None)",
               "None and [] are both refused by the `not values` test"),
    Equivalent("webhooks", "values = found.get(header, [])", "values = found.get(header, )",
               "None and [] are both refused by the `not values` test"),
    # codec and error handler names are case-insensitive
    *[Equivalent("webhooks", a, b, "codec names are case-insensitive") for a, b in (
        ('digest = hmac.new(secret.encode("utf-8"), body, getattr(hashlib, algorithm)).digest()',
         'digest = hmac.new(secret.encode("UTF-8"), body, getattr(hashlib, algorithm)).digest()'),
        ("return f\"{algorithm}={base64.b64encode(digest).decode('ascii')}\"",
         "return f\"{algorithm}={base64.b64encode(digest).decode('ASCII')}\""),
        ('if not hmac.compare_digest(expected.encode("ascii"), f"{algorithm}={given.strip()}".encode("utf-8", "replace")):',
         'if not hmac.compare_digest(expected.encode("ASCII"), f"{algorithm}={given.strip()}".encode("utf-8", "replace")):'),
        ('if not hmac.compare_digest(expected.encode("ascii"), f"{algorithm}={given.strip()}".encode("utf-8", "replace")):',
         'if not hmac.compare_digest(expected.encode("ascii"), f"{algorithm}={given.strip()}".encode("UTF-8", "replace")):'),
    )],
    Equivalent("webhooks",
               'if not hmac.compare_digest(expected.encode("ascii"), f"{algorithm}={given.strip()}".encode("utf-8", "replace")):',
               'if not hmac.compare_digest(expected.encode("ascii"), f"{algorithm}={given.strip()}".encode("utf-8", "REPLACE")):',
               "error handler names are looked up case-insensitively"),
]


# --- part 1: the listed mutants ----------------------------------------------------------------------
def _copy_tree(dest: Path) -> None:
    for name in ("lp_tui", "tests"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "mutants"))
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")


def _pytest(cwd: Path, tests: list[str]) -> tuple[int, str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(cwd)}
    done = subprocess.run([PYTHON, "-m", "pytest", *PYTEST_ARGS, *tests], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def _first_failure(output: str) -> str:
    """The first failing test of a pytest run's summary, without its file."""
    found = re.search(r"^(?:FAILED|ERROR) \S+?::(.+?)(?: - .*)?$", output, re.M)
    if found:
        return found.group(1)
    lines = output.strip().splitlines()
    return "(the run failed: " + (lines[-1] if lines else "?") + ")"


def run_listed(modules: list[str], workers: int) -> list[tuple[Mutant, str, str]]:
    """Each listed mutant applied to a copy of the tree, the module's edge tests run: (mutant, verdict, by)."""
    chosen = [m for m in LISTED if m.module in modules]
    if not chosen:
        return []
    with tempfile.TemporaryDirectory(prefix="lp-tui-mutation-") as scratch:
        copies = [Path(scratch) / f"copy{i}" for i in range(max(1, workers))]
        for copy in copies:
            _copy_tree(copy)
        env = {**os.environ, "PYTHONPATH": str(copies[0])}
        imported = subprocess.run([PYTHON, "-c", "import lp_tui; print(lp_tui.__file__)"], cwd=copies[0], env=env,
                                  capture_output=True, text=True).stdout.strip()
        if not imported.startswith(str(copies[0])):  # the tests would test the real tree: every mutant would survive
            sys.exit(f"the copy's lp_tui is not the one imported ({imported}); run from a checkout")
        free: list[Path] = list(copies)

        def one(mutant: Mutant) -> tuple[Mutant, str, str]:
            copy = free.pop()
            try:
                path = copy / MODULES[mutant.module][0]
                source = path.read_text(encoding="utf-8")
                if source.count(mutant.old) != 1:
                    return mutant, "not applied", f"the source no longer holds {mutant.old[:40]!r} once"
                path.write_text(source.replace(mutant.old, mutant.new), encoding="utf-8")
                try:
                    code, output = _pytest(copy, [t for t in MODULES[mutant.module][1] if "test_edges_" in t])
                finally:
                    path.write_text(source, encoding="utf-8")
                return mutant, ("killed" if code != 0 else "SURVIVED"), (_first_failure(output) if code else "")
            finally:
                free.append(copy)

        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            return list(pool.map(one, chosen))


# --- part 2: mutmut ------------------------------------------------------------------------------------
STATUS = re.compile(r"^\s*(\S+): (.+)$")
NAME = re.compile(r"^(?P<module>[\w.]+?)\.x(?P<function>ǁ\w+ǁ\w+|_\w+?)__mutmut_\d+$")


def _mutmut(*args: str, check: bool = True) -> str:
    executable = Path(PYTHON).parent / "mutmut"
    done = subprocess.run([str(executable), *args], cwd=ROOT, capture_output=True, text=True)
    if check and done.returncode != 0:
        sys.exit(f"mutmut {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def _changed_lines(diff: str) -> tuple[str, str]:
    removed = [line[1:].strip() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return " ".join(removed), " ".join(added)


def run_mutmut(modules: list[str], workers: int, reuse: bool = False) -> dict[str, Counter[str]] | None:
    """mutmut over the chosen modules; per module: killed, survived, equivalent (and the survivors shown)."""
    if shutil.which("mutmut", path=str(Path(PYTHON).parent)) is None:
        print("mutmut is not installed: .venv/bin/pip install -e '.[mutation]'")
        return None
    by_dotted = {MODULES[m][0].removesuffix(".py").replace("/", "."): m for m in modules}
    if not reuse or not (ROOT / "mutants").is_dir():
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # a fresh run: no verdicts cached from older sources
        _mutmut("run", "--max-children", str(workers), *[f"{dotted}.*" for dotted in by_dotted], check=False)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    unexplained: list[tuple[str, str, str]] = []
    by_function: dict[str, Counter[str]] = defaultdict(Counter)
    for line in _mutmut("results", "--all", "true").splitlines():
        found = STATUS.match(line)
        name_match = NAME.match(found.group(1)) if found else None
        if not found or not name_match or name_match.group("module") not in by_dotted:
            continue
        module = by_dotted[name_match.group("module")]
        function = name_match.group("function")
        function = function[1:] if function.startswith("_") else function  # x_check -> check, x__text -> _text
        strict = MODULES[module][2] and (module not in STRICT_FUNCTIONS or function in STRICT_FUNCTIONS[module])
        part = module if module not in STRICT_FUNCTIONS else f"{module} ({'signature check' if strict else 'parser'})"
        status = found.group(2).strip()
        if status in ("killed", "timeout", "caught by type check"):
            counts[part]["killed"] += 1
            continue
        if status in ("skipped", "check was interrupted by user", "not checked"):
            counts[part]["not run"] += 1
            continue
        if status == "no tests":  # no fast test reaches the function (slower tests may)
            counts[part]["no test"] += 1
            if strict:
                counts[part]["unexplained"] += 1
                unexplained.append((part, found.group(1), "no fast test runs this code"))
            continue
        if not strict:  # survivors outside the strict modules are counted, by function, not classified
            counts[part]["survived"] += 1
            by_function[part][function] += 1
            continue
        removed, added = _changed_lines(_mutmut("show", found.group(1), check=False))
        if any(e.module == module and e.removed == removed and e.added == added for e in EQUIVALENT):
            counts[part]["equivalent"] += 1
        else:
            counts[part]["survived"] += 1
            counts[part]["unexplained"] += 1
            unexplained.append((part, found.group(1), f"- {removed}\n        + {added}"))
    for part, functions in sorted(by_function.items()):
        listed = ", ".join(f"{name} {n}" for name, n in functions.most_common())
        print(f"  survivors in {part} by function: {listed}")
    for part, name, diff in unexplained:
        print(f"  survived  {part:28} {name}\n        {diff}")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"modules to check: {', '.join(MODULES)} (all by default)")
    parser.add_argument("--listed", action="store_true", help="only the listed mutants")
    parser.add_argument("--mutmut", action="store_true", help="only mutmut")
    parser.add_argument("--workers", type=int, default=2, help="parallel test runs (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep mutmut's mutants/ folder")
    parser.add_argument("--reuse", action="store_true", help="report the verdicts of a kept mutants/ folder again")
    args = parser.parse_args()
    modules = args.modules or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; known: {', '.join(MODULES)}")
    both = not args.listed and not args.mutmut
    failed = False
    started = time.monotonic()
    if args.listed or both:
        print(f"listed mutants ({sum(m.module in modules for m in LISTED)}), each against its module's edge tests:")
        for mutant, verdict, by in run_listed(modules, args.workers):
            failed |= verdict != "killed"
            print(f"  {verdict:9} {mutant.module:9} {mutant.what:58} {by}")
        print(f"  ({time.monotonic() - started:.0f} s)")
    if args.mutmut or both:
        begun = time.monotonic()
        print("mutmut:")
        try:
            counts = run_mutmut([m for m in modules if m not in ("receiver", "fields")], args.workers, args.reuse)
        finally:
            if not args.keep and not args.reuse:
                shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        if counts is None:
            failed = True
        else:
            print(f"  {'module':34} {'mutants':>7} {'killed':>7} {'survived':>8} {'equivalent':>10} {'no test':>7}")
            for part in sorted(counts):
                c = counts[part]
                total = c["killed"] + c["survived"] + c["equivalent"] + c["no test"] + c["not run"]
                print(f"  {part:34} {total:7} {c['killed']:7} {c['survived']:8} {c['equivalent']:10} {c['no test']:7}"
                      + (f"  ({c['unexplained']} unexplained in a strict module)" if c["unexplained"] else ""))
                failed |= c["unexplained"] > 0
            print(f"  ({time.monotonic() - begun:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

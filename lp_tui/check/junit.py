"""JUnit XML for CI tools (Jenkins, GitLab, GitHub annotations read this shape).

One ``<testsuite>`` in a ``<testsuites>`` root; each check a ``<testcase>``; a mismatch a
``<failure>`` with every mismatch in its text. Outside text passes the display boundary and
characters XML 1.0 cannot hold are escaped, so the file always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from lp_tui.check.runner import CheckResult
from lp_tui.text import safe

NOT_XML = re.compile("[\ufffe\uffff]")


def _text(value: object, limit: int | None = None) -> str:
    return NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", safe(value, limit=limit))


def junit_xml(results: list[CheckResult], suite: str = "lp-tui check", timestamp: str = "") -> str:
    failures = sum(1 for r in results if not r.passed)
    total_time = sum(r.elapsed for r in results)
    root = ET.Element("testsuites", name=_text(suite), tests=str(len(results)), failures=str(failures), errors="0",
                      time=f"{total_time:.3f}")
    attrs = {"name": _text(suite), "tests": str(len(results)), "failures": str(failures), "errors": "0",
             "skipped": "0", "time": f"{total_time:.3f}"}
    if timestamp:
        attrs["timestamp"] = timestamp
    node = ET.SubElement(root, "testsuite", attrs)
    for result in results:
        case = ET.SubElement(node, "testcase", classname="lp-tui.check", name=_text(result.name, 200),
                             file=_text(result.source, 500), time=f"{result.elapsed:.3f}")
        if not result.passed:
            failure = ET.SubElement(case, "failure", message=_text("; ".join(result.mismatches), 1000),
                                    type="ExpectationMismatch")
            failure.text = _text("\n".join([f"expected: {result.expected}", f"got: {result.got}",
                                            *result.mismatches]))
        lines = [result.description, *result.notes]
        system_out = ET.SubElement(case, "system-out")
        system_out.text = _text("\n".join(line for line in lines if line))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""JUnit XML: one testsuite per file, one testcase per check (column, dataset rule) plus the gate.

A dataset (a directory, a glob) is one testsuite per file it holds, each with that file's own
counts and failing checks (``hub.renderers.view.file_reports``), then one testsuite for the
dataset as a whole: its row count rule, if the schema has one, and the gate, which judges the
dataset (so a failing dataset fails exactly one gate testcase, as a failing file does).

The shape is the common subset that GitLab, Jenkins and GitHub test reporters read
(``testsuites`` > ``testsuite`` > ``testcase`` with ``failure``/``skipped``/``system-out``;
``name``, ``tests``, ``failures``, ``errors``, ``skipped``, ``time`` on suites; ``name``,
``classname``, ``time`` on cases; ``message`` and ``type`` on failures). Failures carry the
check's exact counts, its most frequent failing values and its first errors.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from hub.gate import passed
from hub.renderers.escape import cut, one_line, plural, show_value, xml_safe
from hub.renderers.view import (
    by_type_text,
    check_label,
    checked,
    counts_against,
    dataset_part,
    file_reports,
    is_dataset,
    items_by_check,
    source_label,
    where,
)

FIRST_ERRORS = 10  # detail items quoted in each failure
MSG_WIDTH = 200


def _text(value: str) -> str:
    return xml_safe(value)


def _classname(report: Mapping[str, Any], label: str) -> str:
    # Jenkins splits classnames at dots into package and class: keep the file as one segment.
    safe = re.sub(r"[^0-9A-Za-z_-]+", "_", label).strip("_") or "file"
    schema = re.sub(r"[^0-9A-Za-z_-]+", "_", report["schema"]["name"]) or "schema"
    return f"dvh.{schema}.{safe}"


def _failure_body(check: Mapping[str, Any], report: Mapping[str, Any],
                  items: Sequence[Mapping[str, Any]]) -> str:
    lines = []
    info = (report.get("errors_by_column") or {}).get(check["name"])
    if info and check["kind"] in ("column", "other", "model"):
        for tv in info.get("top_values") or []:
            rows = ", ".join(str(r) for r in tv["first_rows"])
            more = "…" if tv["count"] > len(tv["first_rows"]) else ""
            lines.append(f"{show_value(tv['input'])} x{tv['count']:,} (rows {rows}{more})")
        if lines:
            lines.insert(0, "most frequent failing values:")
    if items:
        lines.append(f"first {min(len(items), FIRST_ERRORS)} errors:")
        for item in items[:FIRST_ERRORS]:
            sev = " [warning]" if item.get("severity") == "warning" else ""
            lines.append(f"{where(item)}: {show_value(item.get('input'))}: {item['type']}: "
                         f"{cut(one_line(str(item['msg'])), MSG_WIDTH)}{sev}")
    elif check.get("note"):
        lines.append(one_line(check["note"]))
    if report.get("truncated"):
        lines.append("(the report's detail is capped: --max-errors 0 keeps every error)")
    return _text("\n".join(lines))


def _testcase(parent: ET.Element, name: str, classname: str) -> ET.Element:
    return ET.SubElement(parent, "testcase", {"name": _text(name), "classname": classname,
                                               "time": "0"})


def testsuite(report: Mapping[str, Any], *, path: str | None = None,
              elapsed: float = 0.0, gate: bool = True,
              extra: Sequence[tuple[str, Any]] = ()) -> ET.Element:
    """One file's report as a ``<testsuite>`` (its counts match its testcases); without
    ``gate`` (a file of a dataset), no gate testcase: the dataset's suite has it."""
    report = checked(report)
    label = source_label(report, path)
    classname = _classname(report, label)
    suite = ET.Element("testsuite", {"name": _text(label)})
    props = ET.SubElement(suite, "properties")
    verdict = (report.get("verdict") or {}) if gate else {}
    for key, value in (*extra, ("schema", report["schema"]["name"]),
                       ("fingerprint", report["schema"]["fingerprint"]),
                       ("rows", report["rows"]), ("invalid_rows", report["invalid_rows"]),
                       ("error_count", report["error_count"]),
                       ("warning_count", report.get("warning_count") or 0),
                       ("decided_by", verdict.get("decided_by")), ("report_id", report.get("id"))):
        if value is not None:
            ET.SubElement(props, "property", {"name": key, "value": _text(str(value))})
    grouped = items_by_check(report)
    failures = skipped = 0
    checks = report.get("checks") or []
    for check in checks:
        case = _testcase(suite, check_label(check), classname)
        items = grouped.get((check["kind"], check["name"]), [])
        total = check["errors"] + check["warnings"]
        if counts_against(check, report):
            failures += 1
            first_type = next(iter(check["by_type"]), check["kind"])
            what = "warning" if not check["errors"] else "error"
            ET.SubElement(case, "failure", {
                "message": _text(f"{plural(total, what)}: {by_type_text(check['by_type'])}"),
                "type": _text(first_type),
            }).text = _failure_body(check, report, items)
        elif check["status"] == "skipped":
            skipped += 1
            ET.SubElement(case, "skipped", {"message": _text(check.get("note") or "not run")})
        elif check["warnings"]:
            out = ET.SubElement(case, "system-out")
            out.text = _text(f"{check['warnings']:,} warnings (do not fail the run): "
                             f"{by_type_text(check['by_type'])}\n"
                             + _failure_body(check, report, items))
    if gate:
        case = _testcase(suite, "gate", classname)
        reason = verdict.get("reason") or ("valid" if report["valid"] else "invalid")
        if not passed(report):
            failures += 1
            ET.SubElement(case, "failure", {"message": _text(reason), "type": _text(
                verdict.get("decided_by") or "invalid")})
        else:
            ET.SubElement(case, "system-out").text = _text(reason)
    suite.set("tests", str(len(checks) + int(gate)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    suite.set("time", f"{elapsed:.3f}")
    return suite


def suites(report: Mapping[str, Any], *, path: str | None = None, elapsed: float = 0.0
           ) -> list[ET.Element]:
    """A file's testsuite, or a dataset's: one per file, then the dataset's own (see the
    module's docstring; the run's time goes to the dataset's suite)."""
    if not is_dataset(report):
        return [testsuite(report, path=path, elapsed=elapsed)]
    label = source_label(report, path)
    policy = {"fail_on": (report.get("verdict") or {}).get("fail_on", "error")}
    out = [testsuite({**sub, "verdict": policy}, gate=False,  # warnings count as in the gate
                     extra=(("dataset", label), ("file", sub["file"])))
           for sub in file_reports(report)]
    out.append(testsuite(dataset_part(report), path=label, elapsed=elapsed,
                         extra=(("files", len(report.get("files") or [])),)))
    return out


def render_junit(reports: Sequence[Mapping[str, Any]], *, paths: Sequence[str | None] = (),
                 elapsed: Sequence[float] = ()) -> str:
    """A ``<testsuites>`` document, one testsuite per report, totals summed."""
    root = ET.Element("testsuites", {"name": "dvh"})
    # testsuites carries no "skipped" in the common (Jenkins) schema: suites do.
    totals = dict.fromkeys(("tests", "failures", "errors"), 0)
    seconds = 0.0
    for i, report in enumerate(reports):
        for suite in suites(report, path=paths[i] if i < len(paths) else None,
                            elapsed=elapsed[i] if i < len(elapsed) else 0.0):
            root.append(suite)
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
            seconds += float(suite.get("time", "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"

"""The gate: does a report pass a pipeline's policy? A pure function of report and policy.

Without thresholds a run fails on any failure of error severity (and on warnings too with
``fail_on="warning"``). ``max_error_rate`` tolerates a fraction of invalid rows,
``max_errors_total`` a number of failures; either can decide. Failures that belong to no row
(missing or forbidden columns, the row count) are never tolerated by a rate alone: a file with
the wrong header is not "1% bad". The verdict names the rule that decided it (``decided_by``)
and says why in one line (``reason``).

The rate's rows are exact: the engine says which rows fail with an error and which only warn,
whatever the detail cap (``exact`` is false only for a truncated report of an older hub).
Comparisons are exact (rationals), so a threshold flips exactly at its boundary:
``29`` invalid rows of ``100`` pass ``max_error_rate=0.29``; ``30`` fail it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from hub.checks import WARNING, SchemaChecks, classify

FILE_LEVEL = ("columns", "row_count")  # checks whose failures belong to no row


@dataclass(frozen=True)
class Policy:
    """What a pipeline tolerates."""

    fail_on: Literal["error", "warning"] = "error"
    max_error_rate: float | None = None
    max_errors_total: int | None = None

    def __post_init__(self) -> None:
        if self.max_error_rate is not None and not 0 <= self.max_error_rate <= 1:
            raise ValueError("max_error_rate must be between 0 and 1")
        if self.max_errors_total is not None and self.max_errors_total < 0:
            raise ValueError("max_errors_total must be >= 0")

    @property
    def is_default(self) -> bool:
        return (self.fail_on, self.max_error_rate, self.max_errors_total) == ("error", None, None)


def _fraction(rate: float) -> Fraction:
    """The rate as written (0.29 is 29/100, not the nearest binary float)."""
    return Fraction(Decimal(str(rate)))


def _counted_rows(report: Mapping[str, Any], warnings: int, count_warnings: bool
                  ) -> tuple[int, bool]:
    """Rows with a counted failure, and whether that number is exact.

    This engine counts error rows (``invalid_rows``) and warning-only rows (``warning_rows``)
    exactly as it finds them, whatever the detail cap. The rest is for reports of older hubs,
    whose ``invalid_rows`` counts warning rows too and which lack ``warning_rows``."""
    warning_rows = report.get("warning_rows")
    if warning_rows is not None:
        extra = int(warning_rows) if count_warnings else 0
        return int(report["invalid_rows"]) + extra, True
    if count_warnings or not warnings:
        return int(report["invalid_rows"]), True
    checks = report.get("checks") or []
    if any(c["kind"] == "columns" and c["errors"] for c in checks):
        return int(report["rows"]), True  # a wrong header makes every row invalid
    if not report.get("truncated"):
        rows = {it["loc"][1] for it in report.get("detail") or []
                if it.get("severity") != WARNING and list(it["loc"][:1]) == ["rows"]
                and len(it["loc"]) > 1}
        return len(rows), True
    return int(report["invalid_rows"]), False  # upper bound: warning rows are in it too


def decide(report: Mapping[str, Any], policy: Policy) -> dict[str, Any]:
    """The verdict on a (classified) report under ``policy``."""
    warnings = int(report.get("warning_count") or 0)
    errors = int(report["error_count"]) - warnings
    count_warnings = policy.fail_on == "warning"
    counted = errors + (warnings if count_warnings else 0)
    rows = int(report["rows"])
    bad, exact = _counted_rows(report, warnings, count_warnings)
    rate = Fraction(bad, rows) if rows else Fraction(0)
    file_level = sum(c["errors"] + (c["warnings"] if count_warnings else 0)
                     for c in report.get("checks") or [] if c["kind"] in FILE_LEVEL)
    rate_s = f"{float(rate):.2%} ({bad:,} of {rows:,} rows)"

    passed, decided_by = counted == 0, "no_errors"
    reason = "no errors"
    if counted and policy.max_errors_total is None and policy.max_error_rate is None:
        decided_by = "errors" if errors else "fail_on_warning"
        reason = f"{errors:,} errors" if errors else f"{warnings:,} warnings with --fail-on warning"
    elif counted:
        passed = True
        total, max_rate = policy.max_errors_total, policy.max_error_rate
        if total is not None and counted > total:
            passed, decided_by = False, "max_errors_total"
            reason = f"{counted:,} errors > --max-errors-total {total:,}"
        elif max_rate is not None and rate > _fraction(max_rate):
            passed, decided_by = False, "max_error_rate"
            reason = f"error rate {rate_s} > --max-error-rate {max_rate}"
        elif max_rate is not None and total is None and file_level:
            passed, decided_by = False, "errors"
            reason = (f"{file_level:,} file-level errors (columns or row count) that "
                      "--max-error-rate does not cover")
        elif max_rate is not None:
            decided_by = "max_error_rate"
            reason = f"error rate {rate_s} <= --max-error-rate {max_rate}"
            if total is not None:
                reason += f"; {counted:,} errors <= --max-errors-total {total:,}"
        else:
            decided_by = "max_errors_total"
            reason = f"{counted:,} errors <= --max-errors-total {total:,}"
    if warnings and not count_warnings:
        reason += f"; {warnings:,} warnings (do not fail: --fail-on error)"
    if not exact:
        reason += ("; invalid rows is an upper bound (warnings mixed in a truncated report "
                   "of an older hub)")
    return {
        "passed": passed, "decided_by": decided_by, "reason": reason,
        "errors": counted, "warnings": warnings, "invalid_rows": bad,
        "error_rate": float(rate), "exact": exact, "fail_on": policy.fail_on,
        "max_error_rate": policy.max_error_rate, "max_errors_total": policy.max_errors_total,
    }


def gate(report: Mapping[str, Any], schema: SchemaChecks, policy: Policy) -> dict[str, Any]:
    """A copy of the report classified against the schema, with the policy's verdict."""
    out = classify(report, schema)
    out["verdict"] = decide(out, policy)
    return out


def passed(report: Mapping[str, Any]) -> bool:
    """The gate's verdict when there is one, else the engine's ``valid``."""
    verdict = report.get("verdict")
    return bool(verdict["passed"]) if verdict else bool(report["valid"])

"""Let swebench 5 grade swe-mirror tasks: register swe-mirror's log parsers with the harness.

swe-mirror writes `log_parser` into every record. For pytest `-rA` output whose test ids have no spaces that is
swebench's own `parse_log_pytest`; every other case names `swe_mirror_<report format>`, which `register()` adds to
`swebench.harness.log_parsers.PARSER_REGISTRY`. Each of those hands the log to swe-mirror's own parser
(`swe-mirror parse-log --format <format>`), so the ids are exactly the ones FAIL_TO_PASS and PASS_TO_PASS list.

    import swe_mirror_swebench
    swe_mirror_swebench.register()          # before swebench grades (get_logs_eval / get_eval_report)

The command is `swe-mirror` on PATH, or the words of $SWE_MIRROR_COMMAND (for example `npx swe-mirror`).
"""

import json
import os
import shlex
import subprocess

# swe-mirror's report formats (src/core/tests.ts REPORT_FORMATS).
REPORT_FORMATS = (
    "junit", "jest", "vitest", "mocha", "node-tap", "tap", "node-junit", "pytest-junit", "pytest-ra", "go-json", "cargo",
)
GRADED_STATUSES = ("PASSED", "FAILED", "SKIPPED")


def parser_name(report_format):
    """The PARSER_REGISTRY key swe-mirror exports for a report format."""
    return "swe_mirror_" + report_format.replace("-", "_")


def parse_log(log, report_format):
    """Test id -> PASSED / FAILED / SKIPPED, read by swe-mirror's parser; {} when the log shows no test run."""
    command = shlex.split(os.environ.get("SWE_MIRROR_COMMAND", "swe-mirror"))
    result = subprocess.run(
        [*command, "parse-log", "--format", report_format], input=log, capture_output=True, text=True, check=False,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"swe-mirror parse-log failed ({result.returncode}): {result.stderr.strip()}")
    report = json.loads(result.stdout)
    return {test: status for test, status in report["tests"].items() if status in GRADED_STATUSES}


def register():
    """Add one swebench log parser per swe-mirror report format; returns their names."""
    from swebench.harness.log_parsers import PARSER_REGISTRY

    names = []
    for report_format in REPORT_FORMATS:
        PARSER_REGISTRY[parser_name(report_format)] = (
            lambda log, test_spec, report_format=report_format: parse_log(log, report_format)
        )
        names.append(parser_name(report_format))
    return names

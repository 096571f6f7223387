"""Register an export's repositories with Multi-SWE-bench, whose harness creates one Instance class per org/repo.

    import swe_mirror_multi_swe_bench
    swe_mirror_multi_swe_bench.register_export("out/demo")     # the folder holding tasks.jsonl

For every repository of the export's tasks (`swe-mirror/<gym>` for a local gym) this registers an Instance whose
`parse_log` reads the log with swe-mirror's own parser (see swe_mirror_swebench.parse_log), and whose run,
test_patch_run and fix_patch_run commands run the gym's test command on the buggy commit, after /home/test.patch,
and after /home/test.patch + /home/fix.patch. `dependency()` names the image; swe-mirror does not build images yet,
so the harness's docker stage still needs one built from the gym (see docs/pipeline.md).
"""

import json
import os

from swe_mirror_swebench import parse_log


def _read_gyms(export_dir):
    gyms = {}
    with open(os.path.join(export_dir, "tasks.jsonl"), encoding="utf-8") as tasks:
        for line in tasks:
            if line.strip():
                record = json.loads(line)
                gyms.setdefault(record["repo"], record)
    return gyms


def register_export(export_dir):
    """Register one Instance class per repository of the export; returns the org/repo names."""
    from multi_swe_bench.harness.instance import Instance
    from multi_swe_bench.harness.test_result import TestResult

    names = []
    for name, record in _read_gyms(export_dir).items():
        org, repo = name.split("/", 1)
        test_command = record["test_command"]
        report_format = record["report_format"]
        image = record["image"]

        class SweMirrorInstance(Instance):
            def __init__(self, pr, config, *args, **kwargs):
                super().__init__()
                self._pr = pr
                self._config = config

            @property
            def pr(self):
                return self._pr

            def dependency(self):
                raise NotImplementedError(f"no image is built for {name} yet ({image}): build it from the gym")

            def run(self, run_cmd=""):
                return run_cmd or f"bash -c {json.dumps(test_command)}"

            def test_patch_run(self, test_patch_run_cmd=""):
                return test_patch_run_cmd or f"git apply /home/test.patch && bash -c {json.dumps(test_command)}"

            def fix_patch_run(self, fix_patch_run_cmd=""):
                return fix_patch_run_cmd or f"git apply /home/test.patch /home/fix.patch && bash -c {json.dumps(test_command)}"

            def parse_log(self, test_log, report_format=report_format):
                statuses = parse_log(test_log, report_format)
                passed = {test for test, status in statuses.items() if status == "PASSED"}
                failed = {test for test, status in statuses.items() if status == "FAILED"}
                skipped = {test for test, status in statuses.items() if status == "SKIPPED"}
                return TestResult(
                    passed_count=len(passed), failed_count=len(failed), skipped_count=len(skipped),
                    passed_tests=passed, failed_tests=failed, skipped_tests=skipped,
                )

        Instance.register(org, repo)(SweMirrorInstance)
        names.append(name)
    return names

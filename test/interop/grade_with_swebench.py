"""Grade an export's tasks with the real swebench 5: make_test_spec on each record, run the eval script it builds
(swebench's exit-code capture included) in a clone of the bundle at base_commit with the gold patch and with no
patch, then get_eval_report on the logs; once with the record's log_parser, once with swe-mirror's registered one.
Prints one JSON line. Runs the scripts with bash on this machine: swebench's docker stage needs images (not built)."""
import json
import os
import subprocess
import sys
import tempfile

from swebench.harness.grading import get_eval_report, parse_test_exit_code
from swebench.harness.utils import make_test_spec

sys.path.insert(0, sys.argv[2])  # the export folder, which holds swe_mirror_swebench.py
import swe_mirror_swebench  # noqa: E402

tasks_file, export_dir = sys.argv[1], sys.argv[2]
registered = swe_mirror_swebench.register()
results = []
with tempfile.TemporaryDirectory() as scratch:
    for line in open(tasks_file, encoding="utf-8"):
        record = json.loads(line)
        spec = make_test_spec(record)
        clone = os.path.join(scratch, record["instance_id"])
        bundle = os.path.join(export_dir, "bundles", record["gym"] + ".bundle")
        subprocess.run(["git", "clone", "-q", bundle, clone], check=True)
        script = os.path.join(scratch, record["instance_id"] + ".sh")
        with open(script, "w", encoding="utf-8") as handle:
            handle.write(spec.eval_script)
        outcome = {"instance_id": record["instance_id"], "log_parser": spec.log_parser, "eval_type": spec.eval_type, "image": spec.image}
        for label, patch in (("gold", record["patch"]), ("empty", "")):
            subprocess.run(["git", "checkout", "-q", "-f", record["base_commit"]], cwd=clone, check=True)
            subprocess.run(["git", "clean", "-fdxq"], cwd=clone, check=True)
            if patch:
                subprocess.run(["git", "apply", "-"], cwd=clone, input=patch, text=True, check=True)
            run = subprocess.run(["bash", script], cwd=clone, capture_output=True, text=True, check=False)
            log = os.path.join(scratch, f"{record['instance_id']}-{label}.log")
            with open(log, "w", encoding="utf-8") as handle:
                handle.write(run.stdout + run.stderr)
            prediction = {"instance_id": record["instance_id"], "model_name_or_path": label, "model_patch": patch}
            report = get_eval_report(spec, prediction, log, include_tests_status=True)[record["instance_id"]]
            spec.log_parser = swe_mirror_swebench.parser_name(record["report_format"])
            through_swe_mirror = get_eval_report(spec, prediction, log, include_tests_status=False)[record["instance_id"]]
            spec.log_parser = outcome["log_parser"]
            outcome[label] = {
                "resolved": report["resolved"],
                "resolved_with_swe_mirror_parser": through_swe_mirror["resolved"],
                "applied": report["patch_successfully_applied"],
                "exit_code": parse_test_exit_code(open(log, encoding="utf-8").read()),
                "fail_to_pass_failures": report.get("tests_status", {}).get("FAIL_TO_PASS", {}).get("failure", []),
            }
        results.append(outcome)
print(json.dumps({"registered": registered, "results": results}))

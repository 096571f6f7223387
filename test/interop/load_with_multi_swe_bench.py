"""Load an export's Multi-SWE-bench files with the real multi-swe-bench dataclasses, register the export's
repositories, create each task's Instance and let it parse a real eval log; prints one JSON line."""
import glob
import json
import os
import sys

from multi_swe_bench.harness.dataset import Dataset
from multi_swe_bench.harness.image import Config
from multi_swe_bench.harness.instance import Instance

export_dir, log_file = sys.argv[1], sys.argv[2]
sys.path.insert(0, export_dir)
import swe_mirror_multi_swe_bench  # noqa: E402

registered = swe_mirror_multi_swe_bench.register_export(export_dir)
log = open(log_file, encoding="utf-8").read()
loaded = []
for path in sorted(glob.glob(os.path.join(export_dir, "multi-swe-bench", "*", "*_dataset.jsonl"))):
    for line in open(path, encoding="utf-8"):
        record = Dataset.from_json(line)
        instance = Instance.create(record, Config(need_clone=False, global_env=None, clear_env=False))
        parsed = instance.parse_log(log)
        loaded.append({
            "org": record.org, "repo": record.repo, "number": record.number, "lang": record.lang,
            "f2p": sorted(record.f2p_tests), "run_passed": record.run_result.passed_count,
            "instance": type(instance).__name__, "parsed_passed": sorted(parsed.passed_tests), "parsed_failed": sorted(parsed.failed_tests),
        })
print(json.dumps({"registered": registered, "records": loaded}))

"""Read a runner output with the parser swe_mirror_swebench registers; prints the status map as one JSON line."""
import json
import sys

import swe_mirror_swebench

report_format, path = sys.argv[1], sys.argv[2]
swe_mirror_swebench.register()
from swebench.harness.log_parsers import PARSER_REGISTRY  # noqa: E402

print(json.dumps(PARSER_REGISTRY[swe_mirror_swebench.parser_name(report_format)](open(path, encoding="utf-8").read(), None)))

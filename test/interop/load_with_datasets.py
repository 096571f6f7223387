"""Load swe-mirror export folders with the real Hugging Face `datasets` and concatenate them; prints one JSON line."""
import json
import sys

import datasets

loaded = [datasets.load_dataset(folder)["test"] for folder in sys.argv[1:]]
joined = datasets.concatenate_datasets(loaded)
first = joined[0]
print(json.dumps({
    "version": datasets.__version__,
    "rows": [len(part) for part in loaded],
    "joined": len(joined),
    "features": {name: str(feature) for name, feature in joined.features.items()},
    "same_features": all(part.features == loaded[0].features for part in loaded),
    "first": {"instance_id": first["instance_id"], "FAIL_TO_PASS": first["FAIL_TO_PASS"], "cost_usd": first["cost_usd"], "report_file": first["report_file"]},
}))

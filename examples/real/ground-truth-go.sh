#!/bin/bash
# Hand-measured ground truth: go test -json in the three states, the pass/fail of every test.
set -e
repo=$1; task=$2
cd "$repo"
for state in run test fix; do
  git checkout -q -f HEAD && git clean -qfd
  git apply "$task/mirror.patch"
  [ $state != run ] && git apply "$task/test.patch"
  [ $state = fix ] && git apply -R "$task/mirror.patch"
  GOFLAGS=-mod=mod GOPROXY=off go test -count=1 -json ./... 2>/dev/null | python3 -c '
import json,sys
for line in sys.stdin:
    try: e=json.loads(line)
    except: continue
    if e.get("Test") and e.get("Action") in ("pass","fail","skip"): print(e["Test"], e["Action"])' | sort > "/tmp/v9-real/$(basename $task)-$state.txt"
done
git checkout -q -f HEAD && git clean -qfd

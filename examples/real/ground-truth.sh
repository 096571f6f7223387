#!/bin/bash
# Hand-measured ground truth for any runner: the runner's own output in the three states, then the status of every
# test in each (examples/real/statuses.py, independent of swe-mirror's parsers) and what changed between states.
#   ground-truth.sh <clone at the gym base> <task dir> <out dir> <format: cargo|pytest|go> <command>
# run = base + mirror.patch, test = run + test.patch, fix = test with mirror.patch reverted (the fix commit).
set -e
repo=$1 task=$(realpath "$2") out=$3 format=$4 command=$5
here=$(dirname "$(realpath "$0")")
mkdir -p "$out"; out=$(realpath "$out")
cd "$repo"
for state in run test fix; do
  git checkout -q -f HEAD && git clean -qfd -e target -e .venv
  git apply "$task/mirror.patch"
  [ $state != run ] && git apply "$task/test.patch"
  [ $state = fix ] && git apply -R "$task/mirror.patch"
  bash -c "$command" > "$out/$state.out" 2>&1 || true
  python3 "$here/statuses.py" "$format" "$out/$state.out" > "$out/$state.txt"
done
git checkout -q -f HEAD && git clean -qfd -e target -e .venv
python3 "$here/statuses.py" compare "$out/run.txt" "$out/test.txt" "$out/fix.txt"

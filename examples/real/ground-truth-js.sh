#!/bin/bash
# Hand-measured ground truth for a JavaScript corpus case: the runner itself in the three states, outside swe-mirror.
#   ground-truth-js.sh <clone at the gym base, deps installed> <task dir> <out dir> <reader> <command...>
# <reader> turns the runner's output into `STATUS id` lines: `tap` (stdout, examples/real/tap-statuses.py) or
# `json:<file>` (a jest/vitest JSON report the command writes, examples/real/jest-statuses.py) or `mocha:<file>`
# (mocha's JSON report, examples/real/mocha-statuses.py). Writes
# <out>/<state>.out (the runner's stdout) and <state>.txt (statuses), then prints what changed run→test and
# test→fix (examples/real/compare-states.py).
set -e
here=$(cd "$(dirname "$0")" && pwd)
repo=$1 task=$2 out=$3 reader=$4; shift 4
mkdir -p "$out"
cd "$repo"
for state in run test fix; do
  git checkout -q -f HEAD && git clean -qfd
  git apply "$task/mirror.patch"
  [ $state != run ] && git apply "$task/test.patch"
  [ $state = fix ] && git apply -R "$task/mirror.patch"
  set +e; CI=true NO_COLOR=1 FORCE_COLOR=0 bash -c "$*" > "$out/$state.out" 2> "$out/$state.err"; echo "$state: exit $?" >&2; set -e
  case $reader in
    tap) python3 "$here/tap-statuses.py" < "$out/$state.out" > "$out/$state.txt" ;;
    mocha:*) cp "${reader#mocha:}" "$out/$state.json"; python3 "$here/mocha-statuses.py" "$out/$state.json" "$repo" > "$out/$state.txt" ;;
    json:*) cp "${reader#json:}" "$out/$state.json"; python3 "$here/jest-statuses.py" "$out/$state.json" "$repo" > "$out/$state.txt" ;;
  esac
done
git checkout -q -f HEAD && git clean -qfd
python3 "$here/compare-states.py" "$out"

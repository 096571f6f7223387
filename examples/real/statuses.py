#!/usr/bin/env python3
"""Per-test statuses read straight from a runner's output, for hand-measured ground truth (not swe-mirror's parsers).

  statuses.py cargo|pytest|go <output file>   -> "<status> <test>" lines, sorted
  statuses.py compare <run> <test> <fix>      -> what changed run->test and test->fix
cargo: libtest's `test <name> ... ok|FAILED|ignored` lines, prefixed by the test crate named in the `Running` /
`Doc-tests` header (doc tests keep cargo's own ` (line N)`); pytest: `-rA` short summary lines; go: `go test -json` events.
"""
import json
import re
import sys


def cargo(text: str) -> dict[str, str]:
    statuses: dict[str, str] = {}
    target = "?"
    for line in text.splitlines():
        # The test crate: the binary's name in `Running <src> (target/debug/deps/<name>-<hash>)`, or `Doc-tests <name>`.
        header = re.match(r"\s*(?:Running .*\(.*/deps/(\S+)-[0-9a-f]+\)|Doc-tests (\S+))", line)
        if header:
            target = header.group(1) or header.group(2)
            continue
        result = re.match(r"test (.+) \.\.\. (ok|FAILED|ignored)", line)
        if result:
            statuses[f"{target}::{result.group(1)}"] = result.group(2)
    return statuses


def pytest(text: str) -> dict[str, str]:
    statuses: dict[str, str] = {}
    for line in text.splitlines():
        # Node ids may hold spaces (parametrised ids); a message follows " - " on any line but PASSED ones.
        result = re.match(r"(PASSED) (\S+::.+)$|(FAILED|ERROR|XFAIL|XPASS) (\S+::.+?)(?: - .*)?$", line)
        if result:
            statuses[result.group(2) or result.group(4)] = result.group(1) or result.group(3)
    return statuses


def go(text: str) -> dict[str, str]:
    statuses: dict[str, str] = {}
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("Test") and event.get("Action") in ("pass", "fail", "skip"):
            statuses[f"{event['Package']}::{event['Test']}"] = event["Action"]
    return statuses


def read(path: str) -> dict[str, str]:
    with open(path) as file:
        return {name: status for status, name in (line.rstrip("\n").split(" ", 1) for line in file if line.strip())}


def compare(run: dict[str, str], test: dict[str, str], fix: dict[str, str]) -> None:
    for name, before, after in (("run->test", run, test), ("test->fix", test, fix)):
        added = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        changed = sorted(t for t in set(before) & set(after) if before[t] != after[t])
        unchanged = len(set(before) & set(after)) - len(changed)
        print(f"{name}: {len(before)} -> {len(after)} tests, {unchanged} unchanged")
        for test_name in added:
            print(f"  added   {test_name}: {after[test_name]}")
        for test_name in removed:
            print(f"  removed {test_name}: {before[test_name]}")
        for test_name in changed:
            print(f"  changed {test_name}: {before[test_name]} -> {after[test_name]}")


def main() -> None:
    if sys.argv[1] == "compare":
        compare(*(read(path) for path in sys.argv[2:5]))
        return
    with open(sys.argv[2], errors="replace") as file:
        statuses = {"cargo": cargo, "pytest": pytest, "go": go}[sys.argv[1]](file.read())
    for test_name in sorted(statuses):
        print(f"{statuses[test_name]} {test_name}")


if __name__ == "__main__":
    main()

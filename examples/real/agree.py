#!/usr/bin/env python3
"""Does swe-mirror's verdict agree with the hand-measured ground truth of a corpus case?

  agree.py cargo|pytest|go <ground-truth dir with run.txt test.txt fix.txt> <verdict.json>

From the three states' statuses (examples/real/statuses.py) it derives what docs/verify.md's rules give: the verdict
(rule 1 tests-only-add with the Go parent exception, rule 2 fix-fixes, rule 3 no-regressions), FAIL_TO_PASS and
PASS_TO_PASS, then compares them with the verdict's. Ids are compared as libtest names for cargo (target and
as they are, except that cargo doc tests drop ` (line N)` and several examples of one item are numbered by line
(` [2]`), as swe-mirror's ids are.
"""
import json
import re
import sys

PASSED = {"ok", "PASSED", "XPASS", "pass"}
FAILED = {"FAILED", "ERROR", "fail"}


DOC_TEST = re.compile(r"^(.*) \(line (\d+)\)((?: - .*)?)$")


def doc_test_ids(ids: list[str]) -> dict[str, str]:
    """cargo ids as swe-mirror words doc tests: ` (line N)` dropped, several on one item numbered `[2]`... by line."""
    renamed = {test_id: test_id for test_id in ids}
    groups: dict[str, list[tuple[int, str]]] = {}
    for test_id in ids:
        match = DOC_TEST.match(test_id)
        if match:
            groups.setdefault(match.group(1) + match.group(3), []).append((int(match.group(2)), test_id))
    for name, members in groups.items():
        for index, (_, test_id) in enumerate(sorted(members)):
            renamed[test_id] = name if index == 0 else f"{name} [{index + 1}]"
    return renamed


def read(form: str, path: str) -> dict[str, str]:
    raw: dict[str, str] = {}
    with open(path) as file:
        for line in file:
            if line.strip():
                status, test_id = line.rstrip("\n").split(" ", 1)
                raw[test_id] = "PASSED" if status in PASSED else "FAILED" if status in FAILED else "SKIPPED"
    names = doc_test_ids(list(raw)) if form == "cargo" else {test_id: test_id for test_id in raw}
    return {names[test_id]: status for test_id, status in raw.items()}


def is_gained_parent(name: str, run: dict[str, str], test: dict[str, str]) -> bool:
    """docs/verify.md's Go parent rule: PASSED -> FAILED only because a new subtest fails, old subtests unchanged."""
    children = [child for child in test if child.startswith(name + "/")]
    new_failing = [child for child in children if child not in run and test[child] == "FAILED"]
    return bool(new_failing) and all(run[child] == test[child] for child in children if child in run)


def main() -> None:
    form, directory, verdict_path = sys.argv[1:4]
    run, test, fix = (read(form, f"{directory}/{state}.txt") for state in ("run", "test", "fix"))
    violations = [name for name in run if test.get(name) != run[name]
                  and not (form == "go" and run[name] == "PASSED" and test.get(name) == "FAILED" and is_gained_parent(name, run, test))]
    violations += [name for name in test if name not in run and test[name] == "SKIPPED"]
    fail_to_pass = sorted(name for name in test if test[name] == "FAILED" and fix.get(name) == "PASSED")
    regressions = [name for name in test if test[name] == "PASSED" and fix.get(name) != "PASSED"]
    pass_to_pass = sorted(name for name in test if test[name] == "PASSED" and fix.get(name) == "PASSED")
    expected_valid = not violations and bool(fail_to_pass) and not regressions
    verdict = json.load(open(verdict_path))
    actual_f2p = sorted(verdict["FAIL_TO_PASS"])
    actual_p2p = sorted(verdict["PASS_TO_PASS"])
    print(f"ground truth: {'VALID' if expected_valid else 'INVALID'}; rule-1 violations {violations}; regressions {regressions}")
    print(f"  FAIL_TO_PASS {fail_to_pass}; PASS_TO_PASS {len(pass_to_pass)}")
    print(f"swe-mirror:   {'VALID' if verdict['valid'] else 'INVALID'}; FAIL_TO_PASS {actual_f2p}; PASS_TO_PASS {len(actual_p2p)}")
    agree = verdict["valid"] == expected_valid and actual_f2p == fail_to_pass and actual_p2p == pass_to_pass
    print(f"agree: {'yes' if agree else 'NO'}")
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()

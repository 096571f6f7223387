#!/usr/bin/env python3
"""Compares <dir>/{run,test,fix}.txt (`STATUS id` lines, as agree.py reads them) and prints the hand verdict's inputs."""
import sys
d = sys.argv[1]
def load(state):
    rows = [l.split(' ', 1) for l in open(f'{d}/{state}.txt').read().splitlines() if l.strip()]
    return {tid: status for status, tid in rows}
run, test, fix = load('run'), load('test'), load('fix')
print(f'tests: run {len(run)}, test {len(test)}, fix {len(fix)}')
for tid in sorted(set(run) - set(test)): print(f'  run->test removed: {tid} ({run[tid]})')
for tid in sorted(set(test) - set(run)): print(f'  run->test added:   {tid} ({test[tid]} in test, {fix.get(tid, "absent")} in fix)')
for tid in sorted(set(run) & set(test)):
    if run[tid] != test[tid]: print(f'  run->test changed: {tid} {run[tid]} -> {test[tid]}')
for tid in sorted(set(test) | set(fix)):
    a, b = test.get(tid, 'absent'), fix.get(tid, 'absent')
    if a != b: print(f'  test->fix: {tid} {a} -> {b}')
f2p = [t for t in test if test[t] == 'FAILED' and fix.get(t) == 'PASSED']
p2p = [t for t in test if test[t] == 'PASSED' and fix.get(t) == 'PASSED']
new_passing = [t for t in p2p if t not in run]
print(f'FAIL_TO_PASS {len(f2p)}: {f2p}')
print(f'PASS_TO_PASS {len(p2p)} (passed in test and fix; {len(new_passing)} of them new); failing in fix: {sum(1 for s in fix.values() if s == "FAILED")}')

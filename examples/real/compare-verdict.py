#!/usr/bin/env python3
"""compare-verdict.py <verdict.json> <ground-truth dir>: per state, the hand statuses (<dir>/<state>.txt) against
the verdict's per-test statuses; prints the counts and the first differences."""
import json, sys
v = json.load(open(sys.argv[1])); d = sys.argv[2]
def load(s): return {l.split(' ',1)[1]: l.split(' ',1)[0] for l in open(f'{d}/{s}.txt').read().splitlines() if l.strip()}
for state in ('run','test','fix'):
    gt = load(state)
    sm = {t: st[state] for t, st in v['tests'].items() if st[state] != 'NONE'}
    diff = [(t, gt.get(t), sm.get(t)) for t in set(gt)|set(sm) if gt.get(t) != sm.get(t)]
    print(state, 'hand', len(gt), 'swe-mirror', len(sm), 'differences', len(diff), diff[:5])

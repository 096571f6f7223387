#!/usr/bin/env python3
"""Hand ground truth for mocha's JSON reporter, written apart from swe-mirror's parser.
   mocha-statuses.py <report.json> <root dir>: one `STATUS file > fullTitle` line per test (docs/reports.md's ids;
   repeats get ' [n]'); a hook failure is listed under its own title, as mocha reports it."""
import json, os, sys
report, root = json.load(open(sys.argv[1])), sys.argv[2]
status = {}
for key, value in (('passes', 'PASSED'), ('failures', 'FAILED'), ('pending', 'SKIPPED')):
    for t in report[key]: status[(t.get('file'), t['fullTitle'])] = value
seen = {}
for t in report['tests'] + [f for f in report['failures'] if f not in report['tests']]:
    tid = ' > '.join(p for p in [os.path.relpath(t['file'], root) if t.get('file') else '', t['fullTitle']] if p)
    seen[tid] = seen.get(tid, 0) + 1
    if seen[tid] > 1: tid += f' [{seen[tid]}]'
    print(f"{status.get((t.get('file'), t['fullTitle']), 'FAILED')} {tid}")

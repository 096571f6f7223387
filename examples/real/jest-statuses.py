#!/usr/bin/env python3
"""Hand ground truth for jest / vitest JSON reports, written apart from swe-mirror's parser.
   jest-statuses.py <report.json> <root dir>: one `STATUS file > describe… > title` line per test
   (docs/reports.md's ids; repeats get ' [n]'); a file that failed outside its tests is `FAILED file`."""
import json, os, sys
report, root = json.load(open(sys.argv[1])), sys.argv[2]
STATUS = {'passed': 'PASSED', 'failed': 'FAILED', 'pending': 'SKIPPED', 'skipped': 'SKIPPED', 'todo': 'SKIPPED', 'disabled': 'SKIPPED'}
seen = {}
for f in report['testResults']:
    name = os.path.relpath(f['name'], root)
    if not f['assertionResults'] and f.get('status') == 'failed':
        print(f'FAILED {name}'); continue
    for t in f['assertionResults']:
        tid = ' > '.join([name, *t['ancestorTitles'], str(t['title'])])
        seen[tid] = seen.get(tid, 0) + 1
        if seen[tid] > 1: tid += f' [{seen[tid]}]'
        print(f"{STATUS.get(t['status'], t['status'])} {tid}")

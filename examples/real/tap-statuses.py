#!/usr/bin/env python3
"""Hand ground truth for TAP (tape, node-tap, ava --tap), written apart from swe-mirror's parser.

Reads TAP on stdin, prints one `STATUS id` line per test, in the id convention of docs/reports.md:
subtest names (`# Subtest:`, by indentation) joined by ' > ', then the description without ' - ' and
without directives other than SKIP/TODO; a stream without subtests (tape) is scoped by its `# block`
comment; a subtest's closing point counts only when it had no points of its own; repeats get ' [n]'.
"""
import re, sys

POINT = re.compile(r'^(\s*)(not ok|ok)\b\s*(\d+)?\s*(?:- )?(.*)$')
SUMMARY = re.compile(r'^(tests|pass|fail|ok|skip|todo|failed|time)\b')
lines = sys.stdin.read().splitlines()
has_subtests = any(re.match(r'^\s*# Subtest:', l) for l in lines)
out, seen = [], {}
names = {}          # indent -> name of the subtest whose points are at that indent
points_at = {}      # indent -> number of points seen since that subtest opened
block = None
in_yaml = None
for line in lines:
    if in_yaml is not None:
        if line.strip() == '...' and len(line) - len(line.lstrip()) == in_yaml: in_yaml = None
        continue
    if re.match(r'^\s*---\s*$', line): in_yaml = len(line) - len(line.lstrip()); continue
    m = re.match(r'^(\s*)# Subtest: (.*)$', line)
    if m:
        depth = len(m.group(1)) + 4
        names[depth] = m.group(2).strip(); points_at[depth] = 0
        continue
    c = re.match(r'^\s*#\s?(.*)$', line)
    if c and not has_subtests:
        text = c.group(1).strip()
        if not SUMMARY.match(text): block = re.sub(r'^(SKIP|TODO) ', '', text)
        continue
    p = POINT.match(line)
    if not p: continue
    indent, ok, desc = len(p.group(1)), p.group(2) == 'ok', p.group(4)
    directive = ''
    d = re.search(r'\s+#\s+(SKIP|TODO)\b', desc, re.I)
    if d: directive = d.group(1).upper()
    desc = re.sub(r'\s+#\s.*$', '', desc).strip()
    status = 'SKIPPED' if directive else ('PASSED' if ok else 'FAILED')
    child = indent + 4
    if child in names:            # closing point of a subtest
        had_points = points_at.pop(child) > 0
        names.pop(child)
        for k in [k for k in names if k > child]: names.pop(k); points_at.pop(k, None)
        if indent in points_at: points_at[indent] += 1
        if had_points: continue
    elif indent in points_at: points_at[indent] += 1
    path = [names[k] for k in sorted(names) if k <= indent]
    if not has_subtests and block is not None: path.append(block)
    tid = ' > '.join(path + [desc])
    seen[tid] = seen.get(tid, 0) + 1
    if seen[tid] > 1: tid = f'{tid} [{seen[tid]}]'
    out.append(f'{status} {tid}')
print('\n'.join(out))

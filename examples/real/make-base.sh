#!/usr/bin/env bash
# Build a corpus gym base from a clone: the fix commit with its test changes reverted, plus the task's patches.
#   make-base.sh <clone> <fix commit> <task dir> <test pathspec>...
# mirror.patch puts the bug back (inverse of the fix's non-test change), test.patch adds the fix's tests.
set -euo pipefail
clone=$1 fix=$2 task=$3; shift 3
cd "$clone"
git checkout -q "$fix"
git checkout -q "$fix^" -- "$@"
git -c user.email=corpus@example.com -c user.name=corpus commit -qm "gym base: $fix with its test changes reverted"
mkdir -p "$task"
git diff HEAD "$fix^" -- . $(printf ":!%s " "$@") > "$task/mirror.patch"
git diff HEAD "$fix" -- "$@" > "$task/test.patch"
git rev-parse HEAD

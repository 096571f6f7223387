#!/usr/bin/env python3
"""Build a corpus gym base when a fix's tests live inside source files (Rust `#[cfg(test)] mod tests`).

  make-base-hunks.py <clone> <fix commit> <task dir> <path>:<hunk number>[,<hunk number>...] [<path>...]

Each argument names the test hunks of one file in `git diff <fix>^ <fix>` (numbered from 1 in that file), or a
whole test file when it has no `:`. The gym base is the fix commit with exactly those hunks reverted; mirror.patch
(base -> fix^) then holds the other hunks inverted, test.patch (base -> fix) the test hunks.
"""
import re
import subprocess
import sys
from pathlib import Path


def git(clone: str, *args: str, stdin: str | None = None) -> str:
    return subprocess.run(["git", "-C", clone, *args], input=stdin, text=True, check=True,
                          capture_output=True).stdout


def split_hunks(file_diff: str) -> tuple[str, list[str]]:
    """The header lines of one file's diff and its hunks, each starting at its @@ line."""
    parts = re.split(r"(?m)^(?=@@ )", file_diff)
    return parts[0], parts[1:]


def main() -> None:
    clone, fix, task = sys.argv[1:4]
    selections = sys.argv[4:]
    git(clone, "checkout", "-q", fix)
    whole_files: list[str] = []
    reverse = ""
    for selection in selections:
        path, _, numbers = selection.partition(":")
        if not numbers:
            whole_files.append(path)
            continue
        header, hunks = split_hunks(git(clone, "diff", f"{fix}^", fix, "--", path))
        chosen = [hunks[int(number) - 1] for number in numbers.split(",")]
        reverse += header + "".join(chosen)
    if whole_files:
        git(clone, "checkout", "-q", f"{fix}^", "--", *whole_files)
    if reverse:
        git(clone, "apply", "-R", "--recount", "-", stdin=reverse)
    git(clone, "-c", "user.email=corpus@example.com", "-c", "user.name=corpus", "commit", "-qam",
        f"gym base: {fix} with its test hunks reverted")
    base = git(clone, "rev-parse", "HEAD").strip()
    Path(task).mkdir(parents=True, exist_ok=True)
    Path(task, "mirror.patch").write_text(git(clone, "diff", base, f"{fix}^"))
    Path(task, "test.patch").write_text(git(clone, "diff", base, fix))
    print(base)


if __name__ == "__main__":
    main()

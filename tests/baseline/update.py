"""Regenerate the committed baseline (``make rebaseline``), printing what changed, key by key.

Usage (from the repository root)::

    python -m tests.baseline.update           # recompute every case, rewrite the files
    python -m tests.baseline.update --check   # only compare; exit 1 if anything differs

One re-baseline per change of behaviour, committed with its reason (see README.md here).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.baseline.cases import BASELINE_DIR, CASES, Case, compare, compute, dumps, read
from tests.baseline.diff import REBASELINE_HINT


def rebaseline(cases: Sequence[Case], folder: Path, check: bool = False) -> int:
    """Recompute ``cases``, print for each what differs from its file in ``folder``, and
    (unless ``check``) rewrite the files that differ and remove those of no case. Returns the
    exit status: with ``check``, 1 if anything differs."""
    differs = False
    rewritten: list[str] = []
    for case in cases:
        new = compute(case)
        path = case.path_in(folder)
        committed = read(case, folder)
        if committed is None:
            print(f"{case.name}: no committed file yet ({len(new['values'])} values)")
            differs = True
        else:
            same, report = compare(case.name, committed, new)
            print(report)
            differs |= not same
        text = dumps(new)
        if not check and (not path.exists() or path.read_text(encoding="utf-8") != text):
            path.write_text(text, encoding="utf-8")
            rewritten.append(path.name)
    known = {case.path_in(folder).name for case in cases}
    for stale in sorted(p for p in folder.glob("*.json") if p.name not in known):
        print(f"{stale.name}: no case of that name any more" + ("" if check else "; removed"))
        differs = True
        if not check:
            stale.unlink()
            rewritten.append(stale.name)
    if check:
        if differs:
            print(REBASELINE_HINT)
        return 1 if differs else 0
    if rewritten:
        print(
            f"rewrote {', '.join(rewritten)} in {folder}: commit them with the change of "
            "behaviour, giving its reason in the commit message"
        )
    else:
        print("baseline unchanged")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="compare only: write nothing, exit 1 on a difference"
    )
    args = parser.parse_args(argv)
    return rebaseline(CASES, BASELINE_DIR, check=args.check)


if __name__ == "__main__":
    sys.exit(main())

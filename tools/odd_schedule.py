"""ODD §3 from the schedule: ``python -m tools.odd_schedule docs/ODD.md`` (``make docs``).

Writes the numbered list of the year, from :data:`iei_sim.schedule.SCHEDULE`, and the table of
mechanisms, from :data:`iei_sim.model.MECHANISMS`, between the markers of ODD §3; the rest of
the file is left as it is. ``tests/test_docs.py`` fails if the committed block differs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from iei_sim.model import MECHANISMS
from iei_sim.schedule import FIRMS, MODEL, SCHEDULE, SCHOOLS

ODD_START, ODD_END = "<!-- schedule:start -->", "<!-- schedule:end -->"


def odd_process_overview() -> str:
    """ODD §3's numbered list of the year and table of mechanisms."""
    who = {
        MODEL: "The model",
        SCHOOLS: "Schools, each in turn (random order)",
        FIRMS: "Firms, all at once for the search and each in turn (random order) for certification",
    }
    lines = []
    for number, phase in enumerate(SCHEDULE, 1):
        owner = who.get(phase.owner, f"`{phase.owner}`")
        lines.append(f"{number}. {owner}, `{phase.method}()`: {phase.what} ({phase.odd}).")
    lines += [
        "",
        "| mechanism | class | parameters | ODD |",
        "|---|---|---|---|",
    ]
    for name, cls in MECHANISMS.items():
        module = "src/" + cls.__module__.replace(".", "/") + ".py"
        lines.append(f"| `{name}` | `{module}` `{cls.__name__}` | `{cls.section}` | {cls.odd} |")
    return "\n".join(lines)


def generated_block(text: str) -> str:
    """The part of ``text`` between the markers (what :func:`write_odd` replaces)."""
    return text[text.index(ODD_START) + len(ODD_START) : text.index(ODD_END)]


def write_odd(path: str | Path = "docs/ODD.md") -> bool:
    """Replace the generated block of ODD §3 in ``path``; True if it changed."""
    file = Path(path)
    text = file.read_text(encoding="utf-8")
    start, end = text.index(ODD_START) + len(ODD_START), text.index(ODD_END)
    new = text[:start] + "\n" + odd_process_overview() + "\n" + text[end:]
    if new != text:
        file.write_text(new, encoding="utf-8")
    return new != text


def main(argv: Sequence[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    path = args[0] if args else "docs/ODD.md"
    changed = write_odd(path)
    print(f"{path} §3 " + ("updated from the schedule" if changed else "already up to date"))


if __name__ == "__main__":
    main()

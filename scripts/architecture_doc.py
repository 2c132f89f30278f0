"""Regenerate the dependency diagram in docs/architecture.md from the code (`make architecture`)."""

from __future__ import annotations

import re
from pathlib import Path

from tajriba import architecture

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- diagram: start (make architecture) -->", "<!-- diagram: end -->"


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    graph = architecture.diagram(architecture.package_graph(ROOT / "src" / "tajriba"))
    new = re.sub(re.escape(START) + ".*?" + re.escape(END), f"{START}\n{graph}\n{END}", text, flags=re.S)
    DOC.write_text(new, encoding="utf-8")
    print("docs/architecture.md", "updated" if new != text else "unchanged")


if __name__ == "__main__":
    main()

"""Fill untranslated (or fuzzy) entries of a catalog from a JSON file {msgid: msgstr}.

    .venv/bin/python scripts/fill_po.py ar translations-ar.json

Used after `make i18n`; prints the msgids still missing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGS = Path(__file__).resolve().parent.parent / "src" / "tajriba" / "web" / "i18n"


def main(locale: str, source: str) -> None:
    path = CATALOGS / f"{locale}.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    given = json.loads(Path(source).read_text(encoding="utf-8"))
    for message in catalog:
        if message.id and message.id in given:
            message.string = given[message.id]
            message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    print(f"{locale}: {len(missing)} missing", *missing[:50], sep="\n  ")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

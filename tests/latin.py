"""Find Latin-script words on pages that should read in Arabic or Persian (the Latin-leak crawl).

A page's visible text (and its titles, labels and placeholders) is split into words; a word in Latin letters
is a leak unless it is on the allow-list: brand and format names, codes the product shows as codes (inside
<code>, <kbd>, or an element marked translate="no"), e-mail addresses, web addresses, ids.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# names that are the same in every language: brands, formats, standard measure names, units
ALLOWED = {
    "tajriba", "nps", "csat", "ces", "csv", "xlsx", "spss", "sav", "pdf", "png", "svg", "json", "api", "qr",
    "surveyjs", "segment", "rudderstack", "whatsapp", "sms", "url", "http", "https", "utc", "iso", "id", "ids",
    "p", "n", "sla", "clv", "rfm", "bg", "nbd", "gamma", "pareto", "aov", "kpi", "kpis", "dst", "xes", "ok", "pm", "r²",
    "r", "am", "q1", "q2", "q3", "q4", "vs", "ltr", "rtl", "md", "sql", "bi", "hmac", "ces2", "openapi", "smtp",
    "webhook", "webhooks", "ip", "gdpr", "pdpl", "hijri", "jalali", "sha", "x", "tiktok", "snapchat", "instagram",
    "facebook", "google", "twitter", "sar", "aed", "egp", "irr", "usd", "yyyy", "mm", "dd", "hh", "ss", "cus",
    "ord", "tkt", "rsp", "demo", "v1", "b", "k", "m", "t", "e", "a", "c", "d", "s", "w", "pii",
    # brands a Saudi store's customers and staff name as they are
    "apple", "pay", "enps", "tabby", "tamara", "mada", "stc", "slack", "excel", "tsv", "parquet", "english",
    "yyyy-mm-dd", "jsonl", "mase", "smape",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'.-]*")
SKIP_TEXT = re.compile(
    r"\S+@\S+|https?://\S+|/[\w./?=&%-]+|\b[\w-]*\d[\w-]*\b|\b[a-z]+_[a-z_]+\b"  # e-mails, URLs, paths, ids, keys
)
QUIET = {
    "script",
    "style",
    "code",
    "kbd",
    "pre",
    "samp",
    "template",
    "noscript",
    "title",
}  # <title> repeats the h1


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _quiet(self) -> bool:
        return any(q for _t, q in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        quiet = tag in QUIET or a.get("translate") == "no" or a.get("lang") == "en"
        if tag in ("input", "img", "meta", "link", "br", "hr", "source"):
            if not self._quiet() and not quiet:
                for name in ("placeholder", "title", "aria-label", "alt"):
                    if a.get(name):
                        self.texts.append(str(a[name]))
            return
        self.stack.append((tag, quiet))
        if not self._quiet():
            for name in ("title", "aria-label", "placeholder"):
                if a.get(name):
                    self.texts.append(str(a[name]))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._quiet():
            self.texts.append(data)


def leaks(html: str, allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Latin words in the visible text of `html` that are not allowed."""
    parser = _Text()
    parser.feed(html)
    found = []
    for text in parser.texts:
        for word in WORD.findall(SKIP_TEXT.sub(" ", text)):
            w = word.strip("'.-").lower()
            if w and w not in ALLOWED and w not in allowed:
                found.append(word)
    return found

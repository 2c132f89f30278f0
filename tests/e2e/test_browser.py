"""In a real browser: log in to the demo, read the overview in Arabic, Persian and English, on desktop and phone."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tajriba import i18n
from tajriba.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.conftest import free_port
from tests.test_serve import wait_healthy

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("TAJRIBA_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here (TAJRIBA_REQUIRE_BROWSER is set) but is not installed")
        pytest.skip("Debian's chromium is not installed (`apt-get install chromium`); browser tests skipped")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    _require_browser()
    data = tmp_path_factory.mktemp("e2e") / "data"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tajriba.cli",
            "demo",
            "--scale",
            "0.03",
            "--no-serve",
            "--data-dir",
            str(data),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tajriba.cli", "serve", "--port", str(port), "--data-dir", str(data)],
        # a file, not a pipe: nobody reads a pipe while the server runs, and a full pipe blocks the server
        stdout=(data.parent / "serve.log").open("a"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{base}/healthz", proc)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def _untranslated(page, locale: str) -> list[str]:  # type: ignore[no-untyped-def]
    """English source strings shown as they are on a page that should be in `locale`."""
    texts = page.evaluate("""() => {
        const out = []; const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) { const t = walker.currentNode.textContent.trim(); if (t) out.push(t); }
        for (const el of document.querySelectorAll('[aria-label],[placeholder],[title]')) {
            for (const a of ['aria-label', 'placeholder', 'title']) { const v = el.getAttribute(a); if (v) out.push(v.trim()); }
        }
        out.push(document.title);
        return out; }""")
    catalog = i18n.catalog(locale)
    # the language switcher names each language in itself ("English" on an Arabic page is by design)
    english = {m for m, t in catalog.items() if t != m and "{" not in m} - set(i18n.LANGUAGE_NAMES.values())
    return sorted({t for t in texts if t in english or t.rstrip(":") in english})


def _new_survey(page, server: str, template: str = "relationship_nps") -> None:  # type: ignore[no-untyped-def]
    """As the logged-in manager: a new survey from a template, its page open."""
    page.goto(f"{server}/w/demo/surveys")
    page.select_option("select[name=template]", template)
    with page.expect_navigation():
        page.click("form[action$='/surveys'] button[type=submit] >> nth=0")


def _login(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("input[name=email]", DEMO_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation(timeout=90_000):  # generous: CI runs another test file beside this one
        page.click("button[type=submit]")
    # after the redirect: the overview, or the login page again with the reason shown
    assert page.url.startswith(f"{base}/w/demo/"), (page.url, page.locator("main").inner_text())


def _switch(page, locale: str) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.select_option("#locale-select", locale)
    # the POST redirects: wait for the page in the new language, laid out, not the intermediate response
    page.wait_for_selector(f'html[lang="{locale}"] nav.sidenav', state="visible")
    page.wait_for_load_state("networkidle")


def test_overview_in_arabic_persian_and_english(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    RESULTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _login(page, server)
    page.wait_for_selector("[data-chart] svg")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert page.locator("nav.sidenav").inner_text().split("\n")[0].strip() == "نظرة عامة"
    customers = page.locator("[data-kpi=customers] .value").inner_text()
    assert customers.replace(",", "").isdigit() and int(customers.replace(",", "")) == 600
    assert _untranslated(page, "ar") == []
    page.screenshot(path=str(RESULTS / "overview-ar.png"), full_page=True)

    _switch(page, "fa")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("fa", "rtl")
    assert "نمای کلی" in page.locator("nav.sidenav").inner_text()
    assert _untranslated(page, "fa") == []
    page.screenshot(path=str(RESULTS / "overview-fa.png"), full_page=True)

    _switch(page, "en")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("en", "ltr")
    assert "Overview" in page.locator("nav.sidenav").inner_text()
    page.screenshot(path=str(RESULTS / "overview-en.png"), full_page=True)

    # the start of the navigation sits on the reading side: right in Arabic, left in English
    en_x = page.locator("nav.sidenav").bounding_box()["x"]
    _switch(page, "ar")
    ar_x = page.locator("nav.sidenav").bounding_box()["x"]
    assert en_x < 50 and ar_x > 1000
    context.close()


def test_overview_fits_a_phone_in_arabic(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    RESULTS.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    _login(page, server)
    page.wait_for_selector("[data-chart] svg")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.screenshot(path=str(RESULTS / "overview-ar-phone.png"), full_page=True)
    page.click("nav.sidenav a[href$='/journeys']")
    page.wait_for_url("**/journeys")
    assert "رحلة التسوق الإلكتروني" in page.content()
    assert _untranslated(page, "ar") == []
    page.screenshot(path=str(RESULTS / "journeys-ar-phone.png"), full_page=True)
    context.close()


def test_keyboard_users_can_skip_to_content_and_every_field_has_a_label(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/login")
    assert page.evaluate("() => document.activeElement.name") == "email"  # the form is ready to type into
    labels = page.evaluate(
        "() => [...document.querySelectorAll('input:not([type=hidden]), select')]"
        ".map(i => !!(i.labels && i.labels.length))"
    )
    assert labels and all(labels)
    _login(page, server)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    context.close()


def test_feedback_explorer_on_the_demo_in_arabic(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    RESULTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, server)
    response = page.goto(f"{server}/w/demo/feedback")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h2", has_text="نقاط الألم حسب نقطة الاتصال").count() == 1
    assert page.locator("[data-chart=trend] svg").count() == 1  # the topic trend is drawn
    assert page.locator("blockquote.quote").count() > 0  # pain points and emerging topics quote customers
    assert _untranslated(page, "ar") == []
    page.screenshot(path=str(RESULTS / "feedback-ar.png"), full_page=True)
    # folded search: a query without hamza finds texts written with it
    page.fill("input[name=q]", "ارجاع")
    with page.expect_navigation():
        page.click("form[role=search] button[type=submit]")
    texts = page.locator("table").last.locator("tbody tr")
    assert texts.count() > 0 and "لا توجد ملاحظات" not in texts.first.inner_text()
    assert "إرجاع" in texts.first.inner_text()
    context.close()


def test_customer_profile_tracking_and_import_pages_in_arabic(server: str, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    RESULTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, server)
    page.goto(f"{server}/w/demo/customers")
    page.click("table tbody tr:first-child td:first-child a")
    page.wait_for_selector("[data-kind]")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h2", has_text="السجل الزمني").count() == 1
    assert _untranslated(page, "ar") == []
    page.screenshot(path=str(RESULTS / "customer-ar.png"), full_page=True)
    page.goto(f"{server}/w/demo/tracking")
    assert _untranslated(page, "ar") == []
    page.screenshot(path=str(RESULTS / "tracking-ar.png"), full_page=True)
    page.goto(f"{server}/w/demo/imports")
    csv_file = tmp_path / "طلبات.csv"
    csv_file.write_text(
        "order_id,ordered_at,amount,currency,customer_email\nX-1,2026-03-01T10:00:00,99.5,SAR,a@example.com\n",
        encoding="utf-8",
    )
    page.set_input_files("input[name=file]", str(csv_file))
    with page.expect_navigation():
        page.click("form[enctype] button[type=submit]")
    assert "X-1" in page.content() and page.locator("select[name='col:order_id']").input_value() == "order_id"
    assert _untranslated(page, "ar") == []
    page.screenshot(path=str(RESULTS / "import-preview-ar.png"), full_page=True)
    context.close()


def test_journey_map_in_arabic_flows_right_to_left_and_the_editor_reorders(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    RESULTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    _login(page, server)
    page.goto(f"{server}/w/demo/journeys")
    page.click("table tbody tr:first-child td:first-child a")
    page.wait_for_selector("#journey-map svg")
    svg = page.locator("#journey-map svg")
    assert svg.get_attribute("direction") == "rtl"
    # the first stage (awareness) is drawn to the right of the last (loyalty)
    first = page.locator("#journey-map text", has_text="الوعي").first.bounding_box()
    last = page.locator("#journey-map text", has_text="الولاء والتوصية").first.bounding_box()
    assert first["x"] > last["x"]
    assert _untranslated(page, "ar") == []
    page.screenshot(path=str(RESULTS / "journey-map-ar.png"), full_page=True)

    page.click("nav.subnav a[href$='/edit']")
    page.wait_for_selector("#journey-editor")
    stage = page.locator("section.stage").first
    names = stage.locator("li.tp a").all_inner_texts()
    stage.locator("li.tp").nth(1).locator("button[data-move=up]").click()
    page.wait_for_selector("#order-status[data-state=saved]")
    page.reload()
    assert page.locator("section.stage").first.locator("li.tp a").all_inner_texts() == [
        names[1],
        names[0],
        *names[2:],
    ]
    assert _untranslated(page, "ar") == []
    page.screenshot(path=str(RESULTS / "journey-editor-ar.png"), full_page=True)
    context.close()


def _ink(png: bytes):  # type: ignore[no-untyped-def]
    """The dark pixels of an image, cropped to their bounding box and scaled to a fixed size."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    mask = image.point(lambda v: 255 if v < 128 else 0)
    box = mask.getbbox()
    assert box, "nothing drawn"
    return mask.crop(box).resize((240, 80))


def _overlap(a, b) -> float:  # type: ignore[no-untyped-def]
    import numpy as np

    x, y = np.asarray(a) > 0, np.asarray(b) > 0
    return float((x & y).sum() / (x | y).sum())


def test_exported_arabic_text_is_shaped_like_the_browser_draws_it(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """Server-side outlines of Arabic text match Chromium's own rendering in the same font, and do not match the
    same letters drawn unjoined and left to right (what a renderer without shaping produces)."""
    import base64

    import resvg_py

    from tajriba import textdraw

    word = "التوصيل السريع"
    font = base64.b64encode(textdraw.FONTS[False].read_bytes()).decode()
    page = browser.new_page()
    page.set_content(
        f"""<html dir="rtl"><head><style>@font-face {{ font-family: V; src: url(data:font/ttf;base64,{font}); }}
        span {{ font-family: V; font-size: 64px; }}</style></head><body><span id="w">{word}</span></body></html>"""
    )
    page.evaluate("document.fonts.load('64px V')")
    page.wait_for_function("document.fonts.check('64px V')")
    browser_png = page.locator("#w").screenshot()
    page.close()

    def draw(group: str) -> bytes:
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="700" height="120">'
            f'<rect width="700" height="120" fill="#fff"/>{group}</svg>'
        )
        return bytes(resvg_py.svg_to_bytes(svg_string=svg))

    shaped = draw(textdraw.svg_text(word, x=20, y=85, size=64, base="rtl", fill="#000"))
    unshaped = draw(
        "".join(
            textdraw.svg_text(ch, x=20 + 36 * i, y=85, size=64, base="ltr", fill="#000")
            for i, ch in enumerate(word)
        )
    )
    reference = _ink(browser_png)
    good, bad = _overlap(_ink(shaped), reference), _overlap(_ink(unshaped), reference)
    (RESULTS / "shaping-browser.png").write_bytes(browser_png)
    (RESULTS / "shaping-export.png").write_bytes(shaped)
    assert good > 0.6 and good > bad + 0.25, (good, bad)


def test_survey_filled_on_a_phone_in_arabic_persian_and_english(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """Staff create and publish a survey from a template; customers fill it on a phone in each language."""
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    _login(page, server)
    _new_survey(page, server)
    with page.expect_navigation():
        page.click("button[value=active]")
    link = page.locator("a[dir=ltr]").first.get_attribute("href")
    assert link and "/s/" in link
    public = server + link[link.index("/s/") :]
    staff.close()
    for locale, score in (("ar", "3"), ("fa", "10"), ("en", "8")):
        # a new phone per respondent: the cookie of a finished response shows the thank-you page again
        phone = browser.new_context(
            viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True
        )
        p = phone.new_page()
        p.goto(f"{public}?lang={locale}")
        assert p.locator("html").get_attribute("dir") == ("ltr" if locale == "en" else "rtl")
        assert p.locator("label.pt").count() == 11, (p.url, p.locator("main").inner_text()[:300])
        first = p.locator("label.pt").first.bounding_box()
        last = p.locator("label.pt").last.bounding_box()
        assert first and last
        # 0 sits at the start of the reading direction: the right edge in Arabic and Persian
        assert (first["x"] > last["x"]) == (locale != "en")
        assert last["x"] + last["width"] <= 360 and first["x"] + first["width"] <= 360  # the 0-10 scale fits
        p.screenshot(path=str(RESULTS / f"survey-{locale}-phone.png"), full_page=True)
        p.locator(f"label.pt:has(input[value='{score}'])").click()
        with p.expect_navigation():
            p.click("button.next")
        p.fill("textarea[name=reason]", {"ar": "التوصيل تأخر", "fa": "عالی بود", "en": "good prices"}[locale])
        with p.expect_navigation():
            p.click("button.next")
        if int(score) <= 8:
            p.locator("input[name=improve][value=delivery]").check()
            with p.expect_navigation():
                p.click("button.next")
        p.screenshot(path=str(RESULTS / f"survey-{locale}-last-phone.png"), full_page=True)
        with p.expect_navigation():
            p.click("button.next")
        assert "/done" in p.url
        assert p.locator("p.message").inner_text().strip() != ""
        if locale != "en":
            assert _untranslated(p, locale) == []
        phone.close()


def test_an_agent_works_a_case_end_to_end_in_arabic(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from tajriba.demo import DEMO_ROLES

    RESULTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=email]", DEMO_ROLES["agent"])
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation(timeout=90_000):
        page.click("button[type=submit]")
    response = page.goto(f"{server}/w/demo/cases?view=team")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1", has_text="الحالات").count() == 1
    rows = page.locator("table.cases tbody tr[data-case]")
    assert rows.count() > 0, "the demo's open cases reach the agent's team"
    assert _untranslated(page, "ar") == []
    page.screenshot(path=str(RESULTS / "cases-inbox-ar.png"), full_page=True)
    case_id = rows.first.get_attribute("data-case")
    with page.expect_navigation():
        rows.first.locator("a").first.click()
    assert page.url.endswith(f"/w/demo/cases/{case_id}")
    assert _untranslated(page, "ar") == []

    def submit(form: str) -> None:
        with page.expect_navigation():
            page.locator(f"form#{form} button[type=submit]").click()
        assert page.locator(".alert.error").count() == 0, page.locator(".alert.error").inner_text()

    # reply to the customer on WhatsApp-like chat, in Arabic
    page.select_option("form#reply select[name=kind]", "message")
    page.select_option("form#reply select[name=channel]", "chat")
    page.fill("form#reply textarea[name=body]", "نعتذر عن التأخير، سيصلك الطلب غداً صباحاً")
    submit("reply")
    assert page.locator("ol.timeline li[data-kind=message]", has_text="سيصلك الطلب غداً").count() == 1
    # wait on the customer: the SLA clock stops
    page.select_option("form#status select[name=status]", "waiting")
    submit("status")
    assert page.locator("[data-status]").first.get_attribute("data-status") == "waiting"
    assert (
        page.locator(".card", has_text="متوقفة").count() + page.locator(".card", has_text="متوقف").count() > 0
    )
    # the customer answers: the case is open again
    page.select_option("form#reply select[name=kind]", "customer")
    page.fill("form#reply textarea[name=body]", "شكراً، بانتظار التوصيل")
    submit("reply")
    assert page.locator("[data-status]").first.get_attribute("data-status") == "open"
    # resolving without a root cause is refused with the reason, in Arabic
    page.select_option("form#status select[name=status]", "resolved")
    with page.expect_navigation():
        page.locator("form#status button[type=submit]").click()
    assert page.locator(".alert.error").count() == 1
    page.select_option("form#status select[name=status]", "resolved")
    page.select_option("form#status select[name=root_cause_id]", label="تأخر التوصيل")
    page.fill("form#status textarea[name=action_taken]", "أعدنا جدولة التوصيل مع شركة الشحن")
    submit("status")
    assert page.locator("[data-status]").first.get_attribute("data-status") == "resolved"
    assert page.locator(".card", has_text="تأخر التوصيل").count() == 1
    page.screenshot(path=str(RESULTS / "case-ar.png"), full_page=True)
    assert _untranslated(page, "ar") == []
    response = page.goto(f"{server}/w/demo/notifications")
    assert response is not None and response.status == 200 and _untranslated(page, "ar") == []
    context.close()


def test_survey_results_in_arabic_with_intervals_drawn_intact(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """The demo's NPS survey results in Arabic: each interval reads "[low – high]" left to right, the lower
    bound first, the brackets around the pair (not mirrored by the surrounding right-to-left text)."""
    RESULTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _login(page, server)
    page.goto(f"{server}/w/demo/surveys")
    assert "لا توجد استبيانات" not in page.content()
    with page.expect_navigation():
        page.click("tr:has-text('صافي نقاط الترويج') a[href$='/results']")
    assert page.locator("[data-kpi=responses] .value").inner_text().strip() not in ("0", "٠")
    assert page.locator("bdi.ci").count() > 3
    checks = page.evaluate("""() => [...document.querySelectorAll('bdi.ci')].slice(0, 12).map(el => {
        const node = el.firstChild; const text = node.textContent;
        const x = i => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                         const b = r.getBoundingClientRect(); return b.left + b.width / 2; };
        const dash = text.indexOf('–');
        return {text, dir: getComputedStyle(el).direction,
                order: [x(0), x(1), x(dash), x(dash + 2), x(text.length - 1)]}; })""")
    for c in checks:
        assert c["dir"] == "ltr", c
        assert c["text"].startswith("[") and c["text"].endswith("]") and " – " in c["text"], c
        xs = c["order"]  # "[" < first digit of low < "–" < first digit of high < "]", on screen
        assert xs == sorted(xs), c
    page.screenshot(path=str(RESULTS / "survey-results-ar.png"), full_page=True)
    assert _untranslated(page, "ar") == []
    context.close()


def _crawl(base: str, locale: str, limit: int = 400) -> dict[str, set[str]]:
    """Every page reachable from the overview (two of each kind), as the demo owner in `locale`: the Latin
    words on each (tests/latin.py), by page kind."""
    import re

    import httpx

    from tests.latin import leaks

    client = httpx.Client(base_url=base, follow_redirects=True, timeout=120)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": token, "next": "/"}
    )
    client.post("/preferences", data={"locale": locale, "csrf_token": token, "next": "/"})

    def kind(path: str) -> str:
        return re.sub(r"/\d+|/cus_\w+|/[0-9a-f]{16,}|/rsp-[\w-]+", "/N", path.split("?")[0])

    seen: set[str] = set()
    per_kind: dict[str, int] = {}
    queue = ["/w/demo/"]
    found: dict[str, set[str]] = {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        r = client.get(path)
        assert r.status_code < 500, (path, r.status_code)
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        assert f'lang="{locale}"' in r.text[:300], path
        for word in leaks(r.text):
            found.setdefault(kind(path), set()).add(word)
        for href in re.findall(r'href="([^"#]+)"', r.text):
            href = href.replace("&amp;", "&")
            if not href.startswith("/w/demo") or re.search(
                r"\.(csv|xlsx|sav|png|svg|pdf|json)(\?|$)|/export|download|/preview", href
            ):
                continue
            k = kind(href)
            if per_kind.get(k, 0) < 2:
                per_kind[k] = per_kind.get(k, 0) + 1
                queue.append(href)
    client.post(
        "/preferences", data={"locale": "ar", "csrf_token": token, "next": "/"}
    )  # as other tests expect
    assert len(seen) > 30, seen
    return found


@pytest.mark.parametrize("locale", ["ar", "fa"])
def test_no_latin_words_leak_into_arabic_or_persian_pages(server: str, locale: str) -> None:
    """Crawl every page of the demo in Arabic and Persian: no English words outside the allow-list (brands,
    formats, codes shown as codes, the customers' own words, which are marked translate="no")."""
    found = _crawl(server, locale)
    assert found == {}, "\n".join(f"{k}: {' '.join(sorted(v))}" for k, v in sorted(found.items()))


def test_skip_logic_is_built_in_a_form_and_followed_by_respondents(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """A manager adds "ask why, only when NPS is 0 to 6" by choosing from lists (no expression, no key to
    invent); a detractor is asked, a promoter is not."""
    staff = browser.new_context(viewport={"width": 1366, "height": 900})
    page = staff.new_page()
    _login(page, server)
    _new_survey(page, server)
    page.click("#add-question > summary")
    form = page.locator("#add-question form")
    form.locator("select[name=type]").select_option("text")
    form.locator("input[name=qtitle_ar]").fill("ما الذي خيّب ظنك؟")
    form.locator("input[name=qtitle_en]").fill("What let you down?")
    form.locator("select[name=if_question]").select_option(
        label=page.locator("#add-question select[name=if_question] option").nth(1).inner_text()
    )
    form.locator("select[name=if_op]").select_option("between")
    form.locator("input[name=if_value]").fill("0")
    form.locator("input[name=if_value2]").fill("6")
    with page.expect_navigation():
        form.locator("button[type=submit]").last.click()
    assert page.locator(".alert.error:not([data-warning])").count() == 0, page.locator(
        ".alert.error"
    ).all_inner_texts()
    row = page.locator("tr:has-text('ما الذي خيّب ظنك؟')")
    shown = row.locator("[data-shown-when]").inner_text()
    assert "0" in shown and "6" in shown and "{" not in shown, shown  # words, not an expression
    assert row.get_attribute("data-key") == "comment"  # a key made up for the manager
    # the preview beside the editor shows the survey as a respondent sees it (framed by our own page only)
    preview = page.frame_locator(".builder-preview iframe")
    assert "توصي" in preview.locator("body").inner_text(timeout=10_000)
    with page.expect_navigation():
        page.click("button[value=active]")
    link = page.locator("a[dir=ltr]").first.get_attribute("href")
    public = server + link[link.index("/s/") :]
    staff.close()
    for score, asked in (("3", True), ("9", False)):
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        p = phone.new_page()
        p.goto(f"{public}?lang=ar")
        p.locator(f"label.pt:has(input[value='{score}'])").click()
        seen = False
        for _step in range(6):
            with p.expect_navigation():
                p.click("button.next")
            if "/done" in p.url:
                break
            seen = seen or "ما الذي خيّب ظنك؟" in p.content()
            if p.locator("input[name=improve]").count():
                p.locator("input[name=improve]").first.check()
        assert "/done" in p.url and seen is asked, (score, p.url)
        phone.close()


def test_date_filters_use_the_readers_hijri_calendar(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """A reader who counts in Hijri picks 1 Ramadan 1447 from a Hijri month; the page filters from the same
    Gregorian day (18 February 2026) and shows the field in Hijri again."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _login(page, server)
    page.goto(f"{server}/account")
    page.select_option("select[name=calendar]", "hijri")
    with page.expect_navigation():
        page.click("form[action='/preferences'] button[type=submit]")
    try:
        page.goto(f"{server}/w/demo/feedback")
        field = page.locator("input[data-calendar-text=hijri]").first
        field.click()
        pop = page.locator(".calendar-pop:visible")
        assert pop.count() == 1
        field.fill("1447-09-01")
        field.press("Tab")
        assert page.locator("input[name=since]").input_value() == "2026-02-18"
        # the month picker lists the month's days in Hijri: 1 Ramadan is 18 February
        field.click()
        assert page.locator(".calendar-pop:visible button[data-iso='2026-02-18']").inner_text().strip() == "1"
        with page.expect_navigation():
            page.click("form[role=search] button[type=submit]")
        assert "since=2026-02-18" in page.url
        assert page.locator("input[data-calendar-text=hijri]").first.input_value() == "1447-09-01"
    finally:
        page.goto(f"{server}/account")
        page.select_option("select[name=calendar]", "gregorian")
        with page.expect_navigation():
            page.click("form[action='/preferences'] button[type=submit]")
        context.close()


def test_the_journey_map_fits_zooms_and_keeps_lane_titles_in_view(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _login(page, server)
    page.goto(f"{server}/w/demo/journeys")
    with page.expect_navigation():
        page.locator("a[href^='/w/demo/journeys/']").first.click()
    box = page.locator("#journey-map")
    svg = box.locator("svg").first
    # fitted: the whole map in the width of the screen, nothing to scroll
    assert svg.bounding_box()["width"] <= box.bounding_box()["width"] + 1
    for _ in range(3):
        page.click(".map-tools [data-zoom=in]")
    assert svg.bounding_box()["width"] > box.bounding_box()["width"] * 1.5
    titles = page.locator(".lane-titles")
    assert titles.is_visible() and "نقطة التواصل" in titles.inner_text()
    # scroll to the far end (the left in Arabic): the titles stay on the reading side, in view
    box.evaluate("b => { b.scrollLeft = -b.scrollWidth; }")
    page.wait_for_timeout(100)
    t, b = titles.bounding_box(), box.bounding_box()
    assert t["x"] + t["width"] <= b["x"] + b["width"] + 1 and t["x"] + t["width"] > b["x"] + b["width"] - 5
    page.screenshot(path=str(RESULTS / "journey-map-zoomed-ar.png"))
    page.click(".map-tools [data-zoom=fit]")
    assert svg.bounding_box()["width"] <= box.bounding_box()["width"] + 1
    context.close()


@pytest.mark.parametrize("role", ["owner", "analyst", "agent", "viewer"])
def test_every_page_each_role_reaches_fits_a_phone_in_arabic(server: str, browser, role: str) -> None:  # type: ignore[no-untyped-def]
    """The walk a new team member makes on a phone: from the navigation, every page their role opens (two of
    each kind), none wider than the screen (tables scroll in their own frame), no link to a page they may
    not open, no script error."""
    import re

    from tajriba.demo import DEMO_ROLES

    email = DEMO_EMAIL if role == "owner" else DEMO_ROLES[role]
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation(timeout=90_000):
        page.click("button[type=submit]")
    kind = lambda h: re.sub(r"\d+|cus_\w+", "N", h.split("?")[0])  # noqa: E731
    queue = page.eval_on_selector_all("nav.sidenav a", "els => els.map(e => e.getAttribute('href'))")
    seen: set[str] = set()
    kinds: dict[str, int] = {}
    problems = []
    while queue and len(seen) < 80:
        href = queue.pop(0)
        if href in seen:
            continue
        seen.add(href)
        response = page.goto(f"{server}{href}")
        assert response is not None
        if response.status != 200:
            problems.append(f"{href}: {response.status}")
            continue
        over = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if over > 2:
            problems.append(f"{href}: {over}px wider than the phone")
        for h in page.eval_on_selector_all(
            "main a[href^='/w/demo/']", "els => els.map(e => e.getAttribute('href'))"
        ):
            if re.search(r"\.(csv|xlsx|sav|pdf|png|svg|json)|export|format=|download", h):
                continue
            if kinds.get(kind(h), 0) < 2 and h not in seen:
                kinds[kind(h)] = kinds.get(kind(h), 0) + 1
                queue.append(h)
    context.close()
    assert len(seen) > 15, seen
    assert problems == [] and errors == [], (problems, errors)

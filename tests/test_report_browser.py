"""The quick report's HTML in a real browser: headless Chromium driven by Playwright.

Uses the system's Chromium (Debian's ``chromium`` package; .ci/run installs
it) rather than a browser Playwright downloads: there is no internet here.
The page is opened from disk with the network cut off, so anything it would
fetch shows up as a failed request.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("REPORT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.needs_data,
    pytest.mark.skipif(
        sync_playwright is None,
        reason="the playwright package is missing: pip install -r requirements.txt",
    ),
    pytest.mark.skipif(
        not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM),
        reason=f"no Chromium at {CHROMIUM}: apt-get install chromium (or set REPORT_CHROMIUM)",
    ),
]


class OpenedPage:
    """A page with everything the browser complained about while loading and using it."""

    def __init__(self, page):
        self.page = page
        self.console_errors = []
        self.page_errors = []
        self.failed_requests = []
        self.external_requests = []
        page.on(
            "console",
            lambda m: m.type in ("error", "warning") and self.console_errors.append(m.text),
        )
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on(
            "requestfailed", lambda r: self.failed_requests.append(f"{r.url[:80]}: {r.failure}")
        )
        page.on(
            "request",
            lambda r: r.url.startswith(("file:", "data:", "about:"))
            or self.external_requests.append(r.url),
        )


def open_page(browser, path):
    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
    opened = OpenedPage(context.new_page())
    opened.page.goto(path.resolve().as_uri(), wait_until="load")
    return opened


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def report(browser, quick_report):
    return open_page(browser, quick_report / "report.html")


def test_every_figure_decodes(report):
    images = report.page.evaluate(
        """() => Promise.all(Array.from(document.images, img => img.decode().then(
            () => ({ok: true, width: img.naturalWidth, src: img.src.slice(0, 40)}),
            err => ({ok: false, width: img.naturalWidth, src: img.src.slice(0, 40),
                     error: String(err)}))))"""
    )
    assert len(images) >= 10, images  # the quick report has a dozen figures and more
    bad = [img for img in images if not img["ok"] or img["width"] == 0]
    assert not bad, bad


def test_every_toc_link_lands_on_its_heading(report):
    page = report.page
    links = page.eval_on_selector_all(
        ".celltag_report-toc a[href^='#']", "links => links.map(a => a.getAttribute('href'))"
    )
    assert len(links) >= 10, links  # chapters and their sections
    missing = page.evaluate(
        """hrefs => hrefs.filter(h => {
            const id = decodeURIComponent(h.slice(1));
            const el = document.getElementById(id);
            // Exactly one element with the id: a duplicate would take the link elsewhere.
            return !el || !/^H[1-6]$/.test(el.tagName)
                || document.querySelectorAll(`[id="${CSS.escape(id)}"]`).length !== 1;
        })""",
        links,
    )
    assert not missing, f"TOC links without exactly one heading to land on: {missing}"
    for href in links:
        page.evaluate("() => window.scrollTo(0, 0)")
        page.click(f".celltag_report-toc a[href={_css_string(href)}]")
        landed = page.evaluate(
            """href => {
                const el = document.getElementById(decodeURIComponent(href.slice(1)));
                const bottom = document.documentElement.scrollHeight - window.innerHeight;
                return {hash: location.hash, top: el.getBoundingClientRect().top,
                        atBottom: window.scrollY >= bottom - 1, scrolled: window.scrollY};
            }""",
            href,
        )
        assert landed["hash"] == href, landed
        # At the top of the window, unless the page ends before it can scroll that far.
        assert landed["scrolled"] > 0 and (abs(landed["top"]) <= 2 or landed["atBottom"]), (
            href,
            landed,
        )


def test_every_table_and_figure_reference_lands_on_it(report):
    """Links to tables and figures land on exactly one labelled element, and every
    "Table X" the text names (the study's own tables aside) is a table of the report."""
    page = report.page
    links = page.eval_on_selector_all(
        "a[href^='#table-'], a[href^='#figure-']",
        "links => links.map(a => a.getAttribute('href'))",
    )
    assert len(links) >= 4, links  # the findings table's evidence, at least
    # Figures cited by key (@fig:mse-vs-m) from the chapters' text and the findings.
    assert any(h.startswith("#figure-") for h in links), links
    missing = page.evaluate(
        """hrefs => hrefs.filter(h => {
            const id = decodeURIComponent(h.slice(1));
            return document.querySelectorAll(`[id="${CSS.escape(id)}"]`).length !== 1;
        })""",
        links,
    )
    assert not missing, f"links without exactly one element to land on: {missing}"
    for href in sorted(set(links)):
        page.evaluate("() => window.scrollTo(0, 0)")
        page.click(f"a[href={_css_string(href)}] >> nth=0")
        top = page.evaluate(
            "href => document.getElementById(href.slice(1)).getBoundingClientRect().top", href
        )
        assert abs(top) <= 2 or page.evaluate(
            "() => window.scrollY >= document.documentElement.scrollHeight - window.innerHeight - 1"
        ), (href, top)
    text = page.inner_text("body")
    assert "@fig:" not in text  # every figure reference was resolved
    numbered = set(re.findall(r"\bTable ([0-9S]+(?:\.\d+)?[a-z]?)\. ", text))
    named = {
        m.group(1) for m in re.finditer(r"(?<![Ss]tudy )(?<!study's )\bTables? (\d+[a-z]?)\b", text)
    }
    assert named <= numbered, f"text names tables the report does not have: {named - numbered}"


def _css_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_bt601_formula_renders_as_math(report):
    formula = report.page.locator("math[alttext*='0.299']")
    assert formula.count() == 1
    rendered = formula.evaluate(
        """m => ({ns: m.namespaceURI, display: getComputedStyle(m).display,
                 width: m.getBoundingClientRect().width,
                 space: m.querySelector('mspace').getBoundingClientRect().width,
                 prose: (p => { p.querySelectorAll('code').forEach(c => c.remove());
                                return p.innerText; })(m.closest('p').cloneNode(true))})"""
    )
    assert rendered["ns"] == "http://www.w3.org/1998/Math/MathML"
    # Chromium lays it out as MathML (MathML Core), not as unknown inline text:
    # its computed display is "math" and the thin space \\, has a width.
    assert rendered["display"] == "math" and rendered["width"] > 20, rendered
    assert rendered["space"] > 0, rendered
    # No TeX delimiters left in the prose around it (code spans may show a $VARIABLE).
    assert "0.299" in rendered["prose"] and "$" not in rendered["prose"], rendered
    assert "$Y" not in report.page.inner_text("body")


def test_console_is_clean_and_nothing_is_fetched(report):
    # Run after the others (file order), so their scrolling and clicking count too.
    assert report.page_errors == []
    assert report.console_errors == []
    assert report.failed_requests == []
    assert report.external_requests == []

"""`rewriter serve` in a real browser: Playwright driving Debian's chromium.

The real command runs in a subprocess (`rewriter serve --port 0`); the browser types, clicks
and reads as a person would. Offline engine by default; the LLM path talks to the scripted
server of tests/scripted_server.py, held at a gate while the test looks at the progress.

No `playwright install`: the browser is the system's chromium (REWRITER_CHROMIUM, else
`chromium` on the PATH, else /usr/bin/chromium). Without one, every test here is skipped
with the reason, which pytest's -ra prints. Screenshots go to test-output/ (git ignores it;
REWRITER_TEST_OUTPUT moves it).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2 as httpx
import pytest
from conftest import SENTINEL_KEY
from scripted_server import Scripted, answer_json
from web_support import ROOT, GatedServer, Served, serve_env, served

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
OUTPUT = Path(os.environ.get("REWRITER_TEST_OUTPUT") or ROOT / "test-output") / "web"

DRAFT = ("my boss micromanages everything and im underpaid. been a data analyst 4 years, built the sales "
         "dashboard in Tableau that cut reporting time 30%. honestly sick of this place")
BLUNT = ("My boss never listens and I'm sick of this dead-end job. I built the sales dashboard that cut "
         "reporting time 30%, and I guess I want a team that values that, to be honest.")
PAYLOAD = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"> my boss is awful'
CLEAN = "I've learned a great deal coordinating projects for marketing, and I'm ready to take on more ownership."
WAIT_MS = 30_000  # Playwright's waits: a hang guard, not a speed claim


def _chromium() -> str | None:
    for candidate in (os.environ.get("REWRITER_CHROMIUM"), shutil.which("chromium"),
                      shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip("browser tests: playwright is not installed (pip install -e '.[test]')")
    executable = _chromium()
    if executable is None:
        pytest.skip("browser tests: no chromium found (apt-get install chromium, or set REWRITER_CHROMIUM)")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Error as exc:
            pytest.skip(f"browser tests: chromium at {executable} did not start: {str(exc).splitlines()[0]}")
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def offline() -> Iterator[Served]:
    """`rewriter serve` with no LLM configured: the offline engine writes."""
    with served() as server:
        yield server


class Console:
    """What the page said on its console: any error fails the test (CSP violations included)."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def _message(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def assert_clean(self, *, except_failed_loads: bool = False) -> None:
        errors = [e for e in self.errors
                  if not (except_failed_loads and e.startswith("Failed to load resource"))]
        assert errors == []


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, Console]]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    console = Console(opened)
    yield opened, console
    context.close()


def screenshot(page: Page, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / name
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


def api(server: Served, path: str, body: dict[str, Any]) -> Any:
    with httpx.Client() as http:
        return http.post(server.url + path.lstrip("/"), json=body).json()


# ---------------------------------------------------------------- rewrite


def test_type_a_draft_click_rewrite_see_the_answer(page: tuple[Page, Console], offline: Served) -> None:
    tab, console = page
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=offline.url.rstrip("/"))
    tab.goto(offline.url)
    assert "Engine: offline." in tab.locator(".engine").inner_text()
    tab.get_by_label("Your blunt draft").fill(DRAFT)
    tab.get_by_role("button", name="Rewrite", exact=True).click()

    heading = tab.get_by_role("heading", name="Your answer")
    heading.wait_for()
    expected = api(offline, "/api/rewrite", {"draft": DRAFT})
    assert tab.locator("#answer").inner_text() == expected["answer"]
    assert tab.locator("#rewrite-status").inner_text() == "Ready to say: no problems found."
    words = len(expected["answer"].split())
    spoken = f"About {round(words * 60 / 150)} seconds spoken ({words} words"
    assert tab.locator("#spoken").inner_text().startswith(spoken)
    engine_line = tab.locator("#engine-used").inner_text()
    assert "offline engine" in engine_line and "OPENAI_API_KEY" in engine_line  # how to turn the LLM on
    reframed = tab.locator("#reasons li").all_inner_texts()
    assert [r.split(" → ")[0] for r in reframed] == [r["reason"] for r in expected["reasons"]]
    assert tab.locator("#left-out li").all_inner_texts() == expected["left_out"]
    assert tab.locator("#facts li").all_inner_texts() == expected["facts_kept"]
    assert tab.get_by_label("Your blunt draft").input_value() == DRAFT  # the draft stays for another go
    assert tab.evaluate("document.activeElement.id") == "rewrite-title"  # a screen reader hears the result

    tab.get_by_role("button", name="Copy the answer").click()
    tab.get_by_text("Copied.").wait_for()
    assert tab.evaluate("navigator.clipboard.readText()") == expected["answer"]
    screenshot(tab, "rewrite.png")
    console.assert_clean()


def test_the_draft_stays_when_the_server_cannot_be_reached(page: tuple[Page, Console], offline: Served) -> None:
    tab, console = page
    tab.goto(offline.url)
    tab.route("**/api/rewrite", lambda route: route.abort())
    tab.get_by_label("Your blunt draft").fill(DRAFT)
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    alert = tab.get_by_role("alert")
    alert.wait_for()
    assert "could not be reached" in alert.inner_text() and "Your draft is still here" in alert.inner_text()
    assert tab.get_by_label("Your blunt draft").input_value() == DRAFT
    console.assert_clean(except_failed_loads=True)


def test_the_draft_stays_when_the_server_refuses_it(page: tuple[Page, Console], offline: Served) -> None:
    tab, console = page
    tab.goto(offline.url)
    tab.get_by_label("Your blunt draft").fill("   ")
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    assert "Write your draft first" in tab.get_by_role("alert").inner_text()  # said before any request
    long_draft = "my boss is a micromanager. " * 200
    tab.get_by_label("Your blunt draft").evaluate("(box, text) => { box.removeAttribute('maxlength'); "
                                                  "box.value = text; }", long_draft)
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    tab.get_by_text("the limit is 5000").wait_for()  # the server's 400, its message shown as is
    assert tab.get_by_label("Your blunt draft").input_value() == long_draft
    console.assert_clean(except_failed_loads=True)


# ---------------------------------------------------------------- check


def test_check_highlights_each_finding_with_its_message_on_focus_and_hover(page: tuple[Page, Console],
                                                                          offline: Served) -> None:
    tab, console = page
    tab.goto(offline.url + "#check")
    tab.get_by_label("The answer to check").fill(BLUNT)
    tab.get_by_role("button", name="Check", exact=True).click()
    tab.get_by_role("heading", name="What an interviewer hears").wait_for()

    report = api(offline, "/api/check", {"text": BLUNT})
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    warnings = [f for f in report["findings"] if f["severity"] == "warning"]
    assert errors
    assert tab.locator("#check-summary").inner_text() == (
        f"{len(errors)} error{'s' * (len(errors) != 1)}, {len(warnings)} warning{'s' * (len(warnings) != 1)}.")
    marks = tab.locator("#marked mark.hl")
    # Each error's span is highlighted where it is, as an error.
    for finding in errors:
        mark = tab.locator("#marked mark.hl.error", has_text=finding["excerpt"]).first
        assert finding["excerpt"] in mark.evaluate("m => m.firstChild.textContent")
        tip = mark.locator(".tip")
        assert not tip.is_visible()
        mark.focus()  # keyboard focus shows the why and the what-instead
        assert tip.is_visible()
        assert finding["message"] in tip.inner_text() and finding["suggestion"] in tip.inner_text()
        described = mark.evaluate("m => document.getElementById(m.getAttribute('aria-describedby')).textContent")
        assert finding["message"] in described
        tab.keyboard.press("Escape")  # and Esc hides it again
        assert not tip.is_visible()
    # The pointer shows it too.
    tab.locator("body").focus()
    last = marks.last
    last.hover()
    assert last.locator(".tip").is_visible()
    # The whole text, read back from the page, is the text checked: nothing lost or doubled.
    shown = tab.locator("#marked").evaluate(
        "m => [...m.childNodes].map(n => n.nodeType === 3 ? n.textContent : n.firstChild.textContent).join('')")
    assert shown == BLUNT
    assert tab.locator("#check-findings > li").count() == len(report["findings"])
    marks.first.focus()
    screenshot(tab, "check.png")
    console.assert_clean()


def test_rewrite_then_check_it_in_detail(page: tuple[Page, Console], offline: Served) -> None:
    tab, console = page
    tab.goto(offline.url)
    tab.get_by_label("Your blunt draft").fill(DRAFT)
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    answer = tab.locator("#answer")
    answer.wait_for()
    tab.get_by_role("button", name="Check it in detail").click()
    tab.get_by_role("heading", name="What an interviewer hears").wait_for()
    assert tab.get_by_label("The answer to check").input_value() == answer.inner_text()
    assert tab.locator("#check-summary").inner_text() == "No problems found: this answer reads as positive."
    assert tab.get_by_role("tab", name="Check my answer").get_attribute("aria-selected") == "true"
    console.assert_clean()


SEGMENTS = """m => {
  const out = []; let at = 0;
  for (const node of m.childNodes) {
    const text = node.nodeType === 3 ? node.textContent : node.firstChild.textContent;
    const size = Array.from(text).length;  // code points, as Python counts
    if (node.nodeType !== 3) out.push([at, at + size, node.className, node.querySelector('.tip').textContent]);
    at += size;
  }
  return out;
}"""


def _covered(segments: list[list[Any]], message: str) -> set[int]:
    return {i for start, end, _, tip in segments if message in tip for i in range(start, end)}


def test_highlights_land_on_their_spans_past_emoji(page: tuple[Page, Console], offline: Served) -> None:
    text = "🎉 Honestly, my boss never listens and I am sick of this dead-end job. 👩‍💻 I guess I want more."
    tab, console = page
    tab.goto(offline.url + "#check")
    tab.get_by_label("The answer to check").fill(text)
    tab.get_by_role("button", name="Check", exact=True).click()
    tab.locator("#check-summary").wait_for()
    segments = tab.locator("#marked").evaluate(SEGMENTS)
    findings = api(offline, "/api/check", {"text": text})["findings"]
    spans = [f for f in findings if not (f["start"] == 0 and f["end"] == len(text))]
    assert len(spans) >= 4
    for message in {f["message"] for f in spans}:  # rules that share a message are checked together
        expected = {i for f in spans if f["message"] == message for i in range(f["start"], f["end"])}
        # JavaScript counts UTF-16 units; the page counts code points, as the API does.
        assert _covered(segments, message) == expected, message
    whole = [f for f in findings if f not in spans]
    assert tab.locator("#whole li").count() == len(whole)  # told above the answer, not painted over it
    console.assert_clean()


def test_overlapping_findings_share_the_text_they_share(page: tuple[Page, Console], offline: Served) -> None:
    text = "I guess my manager never listens to the team."
    one = {"rule": "vague.hedge", "principle": "P1", "severity": "warning", "start": 0, "end": 18,
           "excerpt": text[0:18], "message": "First message.", "suggestion": "First fix."}
    two = {"rule": "blame.manager", "principle": "P2", "severity": "error", "start": 10, "end": 32,
           "excerpt": text[10:32], "message": "Second message.", "suggestion": "Second fix."}
    tab, console = page
    tab.goto(offline.url + "#check")
    tab.route("**/api/check", lambda route: route.fulfill(status=200, content_type="application/json",
                                                          body=json.dumps({"ok": False, "findings": [one, two]})))
    tab.get_by_label("The answer to check").fill(text)
    tab.get_by_role("button", name="Check", exact=True).click()
    tab.locator("#check-summary").wait_for()
    segments = tab.locator("#marked").evaluate(SEGMENTS)
    assert [(a, b) for a, b, _, _ in segments] == [(0, 10), (10, 18), (18, 32)]
    assert _covered(segments, "First message.") == set(range(18))
    assert _covered(segments, "Second message.") == set(range(10, 32))
    assert ["warning" in c for _, _, c, _ in segments] == [True, False, False]  # an error wins where both are
    assert tab.locator("#check-summary").inner_text() == "1 error, 1 warning."
    console.assert_clean()


# ---------------------------------------------------------------- keyboard, phone, escaping


def _tab_to(tab: Page, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only(page: tuple[Page, Console], offline: Served) -> None:
    tab, console = page
    tab.goto(offline.url)
    # Rewrite: Tab to the draft, type, Tab to the button, Enter.
    _tab_to(tab, "#draft")
    tab.keyboard.type(DRAFT)
    _tab_to(tab, "#rewrite-button")
    tab.keyboard.press("Enter")
    tab.locator("#answer").wait_for()
    assert tab.evaluate("document.activeElement.id") == "rewrite-title"
    # Check: Shift+Tab back to the tabs, arrow to "Check my answer", type, Ctrl+Enter.
    for _ in range(40):
        tab.keyboard.press("Shift+Tab")
        if tab.evaluate("document.activeElement.id") == "tab-rewrite":
            break
    tab.keyboard.press("ArrowRight")
    assert tab.evaluate("document.activeElement.id") == "tab-check"
    assert tab.locator("#panel-check").is_visible() and not tab.locator("#panel-rewrite").is_visible()
    _tab_to(tab, "#check-text")
    tab.keyboard.type(BLUNT)
    tab.keyboard.press("Control+Enter")
    tab.locator("#check-summary").wait_for()
    # Tab through the answer: each highlight takes focus and shows its message.
    _tab_to(tab, "#marked mark.hl")
    focused_tip = tab.locator("#marked mark.hl:focus .tip")
    assert focused_tip.is_visible() and "Try:" in focused_tip.inner_text()
    console.assert_clean()


def test_readable_on_a_phone(browser: Browser, offline: Served) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    console = Console(tab)
    try:
        tab.goto(offline.url)
        no_sideways_scroll = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        assert tab.evaluate(no_sideways_scroll)
        for field in ("#draft", "#rewrite-button"):
            box = tab.locator(field).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
        font = tab.locator("#draft").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert font >= 16  # smaller, and phones zoom in on focus
        tab.get_by_label("Your blunt draft").fill(DRAFT)
        tab.get_by_role("button", name="Rewrite", exact=True).tap()
        tab.locator("#answer").wait_for()
        assert tab.evaluate(no_sideways_scroll)
        tab.get_by_role("tab", name="Check my answer").tap()
        tab.get_by_label("The answer to check").fill(BLUNT)
        tab.get_by_role("button", name="Check", exact=True).tap()
        last = tab.locator("#marked mark.hl").last
        last.focus()
        tip = last.locator(".tip").bounding_box()
        assert tip is not None and tip["x"] >= 0 and tip["x"] + tip["width"] <= 375  # the tooltip stays on screen
        assert tab.evaluate(no_sideways_scroll)
        screenshot(tab, "phone.png")
        console.assert_clean()
    finally:
        context.close()


def test_user_text_is_shown_never_run(page: tuple[Page, Console], offline: Served) -> None:
    tab, console = page
    tab.goto(offline.url)
    tab.get_by_label("Your blunt draft").fill(PAYLOAD)
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    tab.locator("#rewrite-result:not([hidden]), #rewrite-error:not([hidden])").first.wait_for()
    tab.get_by_role("tab", name="Check my answer").click()
    tab.get_by_label("The answer to check").fill(PAYLOAD)
    tab.get_by_role("button", name="Check", exact=True).click()
    tab.locator("#check-summary").wait_for()
    assert PAYLOAD in tab.locator("#marked").evaluate(
        "m => [...m.childNodes].map(n => n.nodeType === 3 ? n.textContent : n.firstChild.textContent).join('')")
    assert "<script>" in tab.locator("#check-findings").inner_text() or "<img" in tab.locator("#marked").inner_text()
    assert tab.evaluate("window.__pwned") is None
    assert tab.locator("main img, main script").count() == 0
    console.assert_clean()


def test_the_api_docs_render_offline(page: tuple[Page, Console], offline: Served) -> None:
    tab, console = page
    tab.goto(offline.url + "docs")
    assert tab.get_by_role("heading", name="POST /api/rewrite").is_visible()
    assert tab.get_by_role("heading", name="GET /api/principles").is_visible()
    tab.get_by_role("link", name="the page").click()
    tab.get_by_label("Your blunt draft").wait_for()
    console.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_accessibility_violation(browser: Browser, offline: Served, scheme: str) -> None:
    """axe-core (shipped inside axe-playwright-python) on every state of the page: labels, ARIA,
    contrast, focus order. Run through Playwright's evaluate, which the page's CSP does not govern."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.skip("accessibility test: axe-playwright-python is not installed (pip install -e '.[test]')")
    context = browser.new_context(viewport={"width": 1100, "height": 900}, color_scheme=scheme)  # type: ignore[arg-type]
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    console = Console(tab)
    axe = Axe()

    def violations(state: str) -> list[str]:
        tab.evaluate(axe.axe_script)
        found = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
        return [f"{state}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']]}" for v in found]

    try:
        tab.goto(offline.url)
        found = violations("empty")
        tab.get_by_label("Your blunt draft").fill(DRAFT)
        tab.get_by_role("button", name="Rewrite", exact=True).click()
        tab.locator("#answer").wait_for()
        found += violations("rewritten")
        tab.get_by_role("tab", name="Check my answer").click()
        tab.get_by_label("The answer to check").fill(BLUNT)
        tab.get_by_role("button", name="Check", exact=True).click()
        tab.locator("#marked mark.hl").first.focus()
        found += violations("checked, a highlight focused")
        assert found == []
        console.assert_clean()
    finally:
        context.close()


# ---------------------------------------------------------------- with an LLM (the scripted server)


@pytest.fixture
def llm() -> Iterator[tuple[GatedServer, Served]]:
    gated = GatedServer([Scripted.completion(answer_json(CLEAN, reasons=[("oversight", "more ownership")],
                                                         left_out=["my boss micromanages me"]))])
    gated.start()
    env = serve_env({"OPENAI_BASE_URL": gated.base_url, "OPENAI_API_KEY": SENTINEL_KEY,
                     "REWRITER_RETRY_MAX_WAIT": "0"})
    try:
        with served(env=env) as server:
            yield gated, server
    finally:
        gated.gate.set()
        gated.stop()


def test_llm_progress_then_answer_then_a_failure_keeps_the_draft(page: tuple[Page, Console],
                                                                  llm: tuple[GatedServer, Served]) -> None:
    gated, server = llm
    tab, console = page
    tab.goto(server.url)
    banner = tab.locator(".engine").inner_text()
    assert "Engine: LLM" in banner and "127.0.0.1:" in banner
    assert SENTINEL_KEY not in tab.content()
    assert tab.get_by_label("Keep my draft on this computer (use the offline engine)").is_visible()

    draft = "my boss micromanages me. I coordinate projects for marketing"
    tab.get_by_label("Your blunt draft").fill(draft)
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    progress = tab.get_by_role("status").filter(has_text="Waiting for the LLM")
    progress.wait_for()  # shown while the LLM has the draft (the scripted server holds its answer)
    assert gated.arrived.wait(WAIT_MS / 1000)
    assert tab.locator("#rewrite-button").get_attribute("aria-disabled") == "true"
    screenshot(tab, "llm-progress.png")
    gated.gate.set()
    tab.locator("#answer").wait_for()
    assert tab.locator("#answer").inner_text() == CLEAN
    assert not tab.locator("#rewrite-progress").is_visible()
    assert tab.locator("#engine-used").inner_text().startswith("Written by the LLM (gpt-4o-mini)")
    assert "OPENAI_API_KEY" not in tab.locator("#engine-used").inner_text()
    assert tab.locator("#reasons li").all_inner_texts() == ["oversight → more ownership"]

    gated.script = [Scripted.error(401, "Incorrect API key provided", code="invalid_api_key")]
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    alert = tab.get_by_role("alert")
    alert.wait_for()
    assert "Could not rewrite" in alert.inner_text() and "Your draft is still here" in alert.inner_text()
    assert tab.get_by_label("Your blunt draft").input_value() == draft
    assert SENTINEL_KEY not in tab.content()
    console.assert_clean(except_failed_loads=True)  # the 502 itself is logged by the browser


def test_cancel_an_llm_rewrite(page: tuple[Page, Console], llm: tuple[GatedServer, Served]) -> None:
    gated, server = llm
    tab, console = page
    tab.goto(server.url)
    tab.get_by_label("Your blunt draft").fill("my boss micromanages me")
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    assert gated.arrived.wait(WAIT_MS / 1000)  # the LLM has it, and holds it
    tab.get_by_role("button", name="Cancel").click()
    tab.get_by_text("Cancelled. Your draft is still here.").wait_for()
    assert tab.get_by_label("Your blunt draft").input_value() == "my boss micromanages me"
    assert tab.evaluate("document.activeElement.id") == "draft"
    console.assert_clean()


def test_the_offline_box_keeps_the_draft_local(page: tuple[Page, Console], llm: tuple[GatedServer, Served]) -> None:
    gated, server = llm
    tab, console = page
    tab.goto(server.url)
    tab.get_by_label("Your blunt draft").fill(DRAFT)
    tab.get_by_label("Keep my draft on this computer (use the offline engine)").check()
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    tab.locator("#answer").wait_for()
    assert tab.locator("#engine-used").inner_text() == "Written by the offline engine: nothing left this computer."
    assert gated.received == []  # the LLM never saw it
    console.assert_clean()


def test_variants_are_shown_when_the_record_has_them(page: tuple[Page, Console], offline: Served) -> None:
    """Issue 15 adds "variants" to the record; the page shows the other versions beside the best."""
    tab, console = page
    tab.goto(offline.url)
    record = api(offline, "/api/rewrite", {"draft": DRAFT})
    record["variants"] = [{"answer": record["answer"], "ok": True, "findings": []},
                          {"answer": CLEAN, "ok": True, "findings": []}]
    tab.route("**/api/rewrite", lambda route: route.fulfill(status=200, content_type="application/json",
                                                            body=json.dumps(record)))
    tab.get_by_label("Your blunt draft").fill(DRAFT)
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    tab.get_by_role("heading", name="Other versions").wait_for()
    assert tab.locator(".variant .answer").all_inner_texts() == [CLEAN]
    console.assert_clean()


def test_the_page_asks_for_the_number_of_answers_chosen(page: tuple[Page, Console], offline: Served) -> None:
    """Issue 15: the page's "Answers to choose from" reaches the API as `variants`."""
    tab, console = page
    tab.goto(offline.url)
    record = api(offline, "/api/rewrite", {"draft": DRAFT})
    sent: list[dict[str, object]] = []

    def answer(route: Any) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=200, content_type="application/json", body=json.dumps(record))

    tab.route("**/api/rewrite", answer)
    tab.get_by_label("Your blunt draft").fill(DRAFT)
    tab.get_by_label("Answers to choose from").select_option("3")
    tab.get_by_role("button", name="Rewrite", exact=True).click()
    tab.get_by_role("heading", name="Your answer").wait_for()
    assert [body["variants"] for body in sent] == [3]
    console.assert_clean()

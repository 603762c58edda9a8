"""The dashboard as a person uses it: a real server, driven in headless Chromium.

Starts ``iei-sim dashboard`` on a free port and opens it in Debian's ``chromium`` through
Playwright (``executable_path``; no browser is downloaded) in a 1280x720 window, a classroom
projector's size. Checks that the controls and the main charts fit without scrolling, that each
lever shows its value and unit and Mesa's developer controls are absent; steps the model and
checks that the charts change; plays to the end and checks that Play stops by itself; keeps the
run as a reference, moves levers and checks after Reset that the new values are in effect and
that the charts draw the kept run in grey beside the new one; enters bad values and checks the
page refuses them with the scenario's problems instead of a traceback. Screenshots go to
``results/screenshots/`` (``dashboard-1280x720.png``, ``dashboard-before-after-1280x720.png``,
``dashboard-refused-1280x720.png``).

Without Chromium the test is skipped, unless ``IEI_REQUIRE_BROWSER=1`` (CI) makes that a
failure. ``IEI_CHROMIUM=/path/to/chromium`` picks another binary.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.dashboard_helpers import free_port, running_dashboard

from iei_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "small.yaml"
SCREENSHOTS = ROOT / "results" / "screenshots"
VIEWPORT = {"width": 1280, "height": 720}
# Developer controls of Mesa's SolaraViz that a class should not see.
MESA_INTERNALS = ("Play Interval", "Render Interval", "Use Threads", "Time:")
YEARS = load_scenario(SCENARIO).steps
REQUIRED = os.environ.get("IEI_REQUIRE_BROWSER") == "1"
HOW_TO_ENABLE = (
    "install Debian's chromium (sudo apt-get install chromium) or set IEI_CHROMIUM=/path/to/"
    "chromium; set IEI_REQUIRE_BROWSER=1 to make a missing browser a failure"
)
STEP_S = 30  # one year simulated and the open tab's charts redrawn, on a busy 2-core machine

# SHA-256 of the image an <img> shows (its blob: URL changes on every redraw, its bytes do not).
IMAGE_DIGEST_JS = """async (img) => {
    const bytes = await (await fetch(img.src)).arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(digest, b => b.toString(16).padStart(2, "0")).join("");
}"""


def _unavailable(reason: str, how: str = HOW_TO_ENABLE) -> None:
    if REQUIRED:
        pytest.fail(f"IEI_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(f"{reason}: {how}")


def find_chromium() -> str | None:
    chosen = os.environ.get("IEI_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else shutil.which(chosen)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def assets_served(base_url: str) -> bool:
    """Solara's page scripts come from its asset cache (or its CDN); without them no page."""
    from iei_sim.dashboard.assets import missing_packages

    if not missing_packages():
        return True
    try:  # not cached: Solara's server may still fetch them from its CDN
        with urllib.request.urlopen(
            f"{base_url}_solara/cdn/requirejs@2.3.6/require.js", timeout=30
        ):
            return True
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        _unavailable("no Chromium found")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    return path


def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "dashboard-server.log"


@pytest.fixture(scope="module")
def dashboard_url(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_dashboard([str(SCENARIO)], free_port(), server_log(tmp_path_factory)) as url:
        if not assets_served(url):
            _unavailable(
                "Solara's page assets are neither cached nor reachable",
                "run `make dashboard-assets` (fetches them from the npm registry once)",
            )
        yield url


def _save(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp_path / name, SCREENSHOTS / name)


def test_dashboard_in_chromium(
    chromium_path: str,
    dashboard_url: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    def year(page: Page, n: int) -> None:
        expect(page.locator(".iei-year")).to_contain_text(
            f"Year {n} of {YEARS}", timeout=STEP_S * 1000
        )

    def step(page: Page, n: int) -> None:
        page.locator(".iei-step").click()
        year(page, n)

    def chart(page: Page, name: str, differs_from: str | None = None) -> str:
        """Digest of a chart's image once its redraw has arrived and it has stopped changing.

        With ``differs_from``, waits (up to STEP_S) for an image other than that one; if none
        comes, returns the old digest and the caller's assertion fails.
        """
        image = page.locator(f".iei-chart-{name} img")
        image.wait_for(timeout=STEP_S * 1000)
        deadline = time.monotonic() + STEP_S
        previous = image.evaluate(IMAGE_DIGEST_JS)
        while time.monotonic() < deadline:
            time.sleep(0.3)
            current = image.evaluate(IMAGE_DIGEST_JS)
            if current == previous and current != differs_from:
                return current
            previous = current
        return previous

    def open_section(page: Page, title: str) -> None:
        header = page.locator(".iei-group:visible", has_text=title)
        header.click()
        expect(header).to_contain_text(f"▾ {title}", timeout=STEP_S * 1000)

    def lever(page: Page, name: str):
        return page.locator(f".iei-lever-{name}")

    def slider(page: Page, name: str, presses: int) -> None:
        handle = lever(page, name).get_by_role("slider")
        handle.focus()
        for _ in range(abs(presses)):
            handle.press("ArrowRight" if presses > 0 else "ArrowLeft")

    def fits_on_screen(page: Page, selector: str) -> None:
        box = page.locator(selector).first.bounding_box()
        assert box is not None, f"{selector} is not shown"
        bottom, right = box["y"] + box["height"], box["x"] + box["width"]
        assert bottom <= VIEWPORT["height"] and right <= VIEWPORT["width"], (
            f"{selector} ends at ({right:.0f}, {bottom:.0f}), outside the 1280x720 window"
        )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],  # root in a container
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(dashboard_url)
            year(page, 0)
            expect(page).to_have_title(re.compile("iei-sim"))
            status = page.locator(".iei-status")
            expect(status).to_contain_text("All levers as in the scenario file")
            expect(page.locator(".iei-chart-participation")).to_contain_text("No year simulated")
            body = page.locator("body").inner_text()
            shown = [name for name in MESA_INTERNALS if name in body]
            assert not shown, f"Mesa's developer controls are on the page: {shown}"
            # Every lever of the open section shows its value with its unit; closed sections
            # show theirs in their summary line.
            expect(lever(page, "tax_deduction_rate").locator(".iei-readout")).to_have_text(
                "0.30 = 30%"
            )
            expect(page.locator(".iei-group-summary").first).to_contain_text("(10k CNY)")

            # Stepping draws the charts and each year changes them.
            step(page, 1)
            baseline_1 = {name: chart(page, name) for name in ("participation", "fiscal_cost")}
            step(page, 2)
            participation_2 = chart(page, "participation", differs_from=baseline_1["participation"])
            assert participation_2 != baseline_1["participation"], (
                "a new year left the chart as it was"
            )
            # The controls and the main charts fit a 1280x720 screen without scrolling.
            for selector in (
                ".iei-controls",
                ".iei-status",
                ".iei-chart-participation img",
                ".iei-chart-fiscal_cost img",
                ".iei-group >> nth=-1",
            ):
                fits_on_screen(page, selector)
            scroll = page.evaluate("[document.scrollingElement.scrollHeight, window.innerHeight]")
            assert scroll[0] <= scroll[1], f"the page scrolls: {scroll[0]} px in {scroll[1]}"
            _save(page, tmp_path, "dashboard-1280x720.png")

            # Play runs to the last year and stops by itself: Play is released, Step disabled.
            page.locator(".iei-play").click()
            year(page, YEARS)
            expect(page.locator(".iei-play")).to_contain_text("Play", timeout=STEP_S * 1000)
            expect(page.locator(".iei-play")).to_be_disabled()
            expect(page.locator(".iei-step")).to_be_disabled()
            expect(status).to_contain_text("Keep as reference")
            finished = chart(page, "participation")

            # Keep the run; deduction on, for every firm, at a higher rate; Reset reruns with
            # them and the kept run stays, in grey, on the same charts.
            page.locator(".iei-keep").click()
            expect(status).to_contain_text("Grey lines: kept run", timeout=STEP_S * 1000)
            page.locator(".iei-lever-tax_deduction input[type=checkbox]").check(force=True)
            page.locator(".iei-lever-certified_only input[type=checkbox]").uncheck(force=True)
            slider(page, "tax_deduction_rate", 2)
            expect(lever(page, "tax_deduction_rate").locator(".iei-readout")).to_have_text(
                "0.40 = 40%"
            )
            page.locator(".iei-reset").click()
            year(page, 0)
            for line in (
                "Tax deduction in force: on (file: off)",
                "Deduction for certified firms only: off (file: on)",
                "Tax deduction rate: 40% (file: 30%)",
            ):  # read from the rebuilt model's scenario, not from the controls
                expect(status).to_contain_text(line, timeout=STEP_S * 1000)
            expect(status).to_contain_text("Grey lines: kept run")
            # Before the new run's first year the charts show the kept run alone.
            kept_only = chart(page, "participation")
            assert kept_only != finished
            step(page, 1)
            step(page, 2)
            lever_2 = {name: chart(page, name) for name in ("participation", "fiscal_cost")}
            assert lever_2["participation"] not in (kept_only, participation_2)
            _save(page, tmp_path, "dashboard-before-after-1280x720.png")
            page.locator(".iei-clear").click()
            assert (
                chart(page, "participation", differs_from=lever_2["participation"])
                != (lever_2["participation"])
            ), "clearing the reference left the grey lines"

            # Bad values: shares that do not sum to 1 and a seed that is not a number. The
            # largest section open, every control still fits the screen.
            open_section(page, "Risk sharing")
            fits_on_screen(page, ".iei-group:visible >> nth=-1")
            fits_on_screen(page, ".iei-lever-fund_budget")
            slider(page, "firm_share", 1)
            open_section(page, "Run")
            seed = page.get_by_label("Random seed")
            seed.fill("not-a-seed")
            seed.press("Enter")
            page.locator(".iei-reset").click()
            problems = page.locator(".iei-problems")
            expect(problems).to_contain_text("must sum to 1", timeout=STEP_S * 1000)
            expect(problems).to_contain_text("seed")
            _save(page, tmp_path, "dashboard-refused-1280x720.png")
            expect(page.locator(".iei-step")).to_be_disabled()  # refused values never run
            year(page, 0)
            body = page.locator("body").inner_text()
            assert "Traceback" not in body and "Error in" not in body

            # Fixed values are accepted again.
            seed.fill("42")
            seed.press("Enter")
            open_section(page, "Risk sharing")
            slider(page, "firm_share", -1)
            page.locator(".iei-reset").click()
            expect(problems).to_have_count(0, timeout=STEP_S * 1000)
            step(page, 1)
        finally:
            browser.close()
    log = server_log(tmp_path_factory).read_text()
    assert "Traceback" not in log, log
    assert "Could not load URL" not in log, f"the page asked for assets it cannot get:\n{log}"
    assert "samesite" not in log, "Solara's cookie warning is back in the terminal"

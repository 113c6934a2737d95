"""GET /docs in a real browser: Debian's headless Chromium, driven by selenium, against the container.

The page must render every operation from the service's own /openapi.json, and "Try it
out" must reach the service and show its JSON answers, the error shape included. The
browser's console must hold no error: a Content-Security-Policy violation or a failed
load would show there. A screenshot of the rendered page is saved to
$VECDOT_SCREENSHOT_DIR (default build/e2e); docs/swagger-ui.png is one of them.
"""

import os
import shutil
from pathlib import Path

import pytest

selenium = pytest.importorskip("selenium", reason="selenium is in requirements-dev.txt: make venv")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service as ChromeService  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as until  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
WAIT = 30  # seconds for the page to render or an answer to show; bounds every wait
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        pytest.fail("no headless browser: apt-get install chromium chromium-driver (.ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # explicit paths: selenium must not try to download one
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=ChromeService(DRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def console_errors(browser):
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def try_out(browser, url, a, b):
    """Open /docs, expand GET /dot, fill in a and b, execute; return the shown status and body."""
    browser.get(url + "/docs")
    wait = WebDriverWait(browser, WAIT)
    operation = wait.until(until.element_to_be_clickable((By.ID, "operations-default-get_dot")))
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(until.element_to_be_clickable((By.CSS_SELECTOR, "#operations-default-get_dot .try-out__btn"))).click()
    for name, value in (("a", a), ("b", b)):
        field = browser.find_element(By.CSS_SELECTOR, f'#operations-default-get_dot tr[data-param-name="{name}"] input')
        field.clear()
        field.send_keys(value)
    browser.find_element(By.CSS_SELECTOR, "#operations-default-get_dot .execute").click()
    live = "#operations-default-get_dot .live-responses-table"
    body = wait.until(until.presence_of_element_located((By.CSS_SELECTOR, f"{live} .response-col_description pre")))
    wait.until(lambda _: body.text.strip().endswith("}"))  # the highlighter fills it in after
    status = browser.find_element(By.CSS_SELECTOR, f"{live} tr.response .response-col_status").text.strip()
    return status, body.text


def test_page_renders_every_operation_of_the_document(browser, service):
    browser.get(service.url + "/docs")
    WebDriverWait(browser, WAIT).until(until.presence_of_element_located((By.ID, "operations-default-get_dot")))
    rendered = {e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, ".opblock")}
    paths = service.get("/openapi.json").json()["paths"]
    assert len(rendered) == sum(len(item) for item in paths.values())
    assert {"operations-default-get_dot", "operations-default-post_dot", "operations-default-get_"} <= rendered
    assert console_errors(browser) == []


def test_try_it_out_shows_the_dot_product(browser, service):
    status, body = try_out(browser, service.url, "1,2,3", "4,5,6")
    assert status == "200"
    assert '"result": 32' in body and '"n": 3' in body
    shots = Path(os.environ.get("VECDOT_SCREENSHOT_DIR", REPO / "build" / "e2e"))
    shots.mkdir(parents=True, exist_ok=True)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(shots / "swagger-ui.png"))
    assert console_errors(browser) == []


def test_try_it_out_shows_the_services_json_error(browser, service):
    status, body = try_out(browser, service.url, "1,2,3", "4,5")
    assert status == "400"
    assert '"status": 400' in body and "same length" in body

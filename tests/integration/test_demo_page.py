"""The classroom demo page in a real headless Chromium, against the running Rasa server.

Loads the page, plays a scenario, reads the reply, switches language, plays another, resets.
Screenshots go to var/test-artifacts/ (demo-*.png) for a person to look at.
Needs Debian's chromium and chromium-driver (.ci/run installs them); skips locally without them,
fails in CI (REQUIRE_SERVICES=1).
"""
import shutil

import pytest

from tests.conftest import ARTIFACTS, skip_or_fail

pytestmark = [pytest.mark.servers, pytest.mark.services]

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail("selenium is not installed")
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        skip_or_fail("Chromium or chromedriver missing (apt-get install -y chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1600,1000", "--lang=en-US", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _wait(driver, condition, timeout=60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _bot_texts(driver):
    from selenium.webdriver.common.by import By

    return [m.text for m in driver.find_elements(By.CSS_SELECTOR, ".msg.bot")]


def _play(driver, element_id, previous):
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, element_id).click()
    _wait(driver, lambda d: len(_bot_texts(d)) > previous and not d.find_elements(By.CSS_SELECTOR, ".typing"))
    return _bot_texts(driver)[previous:]


def test_demo_page_scenarios_language_and_reset(assistant, browser):
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.get(f"{assistant.base}/webhooks/demo")  # without the slash: redirected
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    assert browser.current_url.endswith("/webhooks/demo/")
    assert browser.find_element(By.ID, "badge").text == "DEMO"
    css = browser.execute_script("return getComputedStyle(document.querySelector('.top')).backgroundColor")
    assert css == "rgb(15, 110, 92)", css  # the stylesheet loaded from our own server
    assert "$1,000" in browser.find_element(By.ID, "scenario-dm").text

    replies = _play(browser, "scenario-dm", 0)
    assert any("red flag" in r.lower() or "risk" in r.lower() for r in replies), replies
    browser.save_screenshot(str(ARTIFACTS / "demo-1-dm-scenario.png"))

    before = len(_bot_texts(browser))
    replies = _play(browser, "lang-es", before)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert "Un joven amenazado" in browser.find_element(By.ID, "scenario-threat").text
    assert any("español" in r.lower() or "¡" in r or "á" in r for r in replies), replies

    before = len(_bot_texts(browser))
    replies = _play(browser, "scenario-threat", before)
    assert any("911" in r for r in replies), replies
    browser.save_screenshot(str(ARTIFACTS / "demo-2-threat-spanish.png"))

    browser.find_element(By.ID, "reset").click()
    _wait(browser, lambda d: d.find_elements(By.ID, "empty"))
    assert _bot_texts(browser) == [] and not browser.find_elements(By.CSS_SELECTOR, ".msg.me")
    replies = _play(browser, "scenario-cashier", 0)
    assert any("✅" in r or "no veo" in r.lower() for r in replies), replies
    browser.save_screenshot(str(ARTIFACTS / "demo-3-cashier-after-reset.png"))


def test_demo_conversations_are_marked(assistant):
    import json

    status, body = assistant.raw_post("/webhooks/demo/webhook", json.dumps({"session": "marked-session-1", "message": "hola"}).encode())
    assert status == 200 and json.loads(body)["messages"]
    tracker = assistant.tracker("demo-marked-session-1")
    user_events = [e for e in tracker["events"] if e["event"] == "user"]
    assert user_events and all(e["metadata"].get("demo") is True for e in user_events)
    assert user_events[0]["input_channel"] == "demo"


def test_demo_only_accepts_buttons_it_offered(assistant):
    import json

    post = lambda body: assistant.raw_post("/webhooks/demo/webhook", json.dumps(body).encode())
    status, _ = post({"session": "buttons-session-1", "button": "/danger_weapon"})
    assert status == 400
    status, body = post({"session": "buttons-session-1", "message": "menu"})
    offered = [b["payload"] for m in json.loads(body)["messages"] for b in m["buttons"]]
    assert "/red_flags" in offered
    status, body = post({"session": "buttons-session-1", "button": "/red_flags"})
    assert status == 200 and json.loads(body)["messages"]

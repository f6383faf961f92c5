"""The staff console as staff use it: a real server process, a real Chromium, real databases.

The tracker database holds generated events in Rasa's shape (volume for the charts) plus one
conversation with injection attempts; the reports database holds a report written the way the
assistant writes it. Screenshots go to var/test-artifacts/console-*.png.
"""
from __future__ import annotations

import csv
import http.cookiejar
import io
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa

from bot.analytics import database, synthetic
from bot.devtools import servers
from bot.devtools.paths import ROOT
from bot.reports.crypto import ensure_local_key
from bot.reports.store import ReportStore
from tests.conftest import ARTIFACTS, free_port, skip_or_fail

USER, PASSWORD = "alex", "correct-horse-battery-staple"
STORY = "A guy <b>@quickcash</b> on Snapchat said <script>alert('x')</script> he'd pay me to drive to Tucson"
INJECTED_TEXT = "<script>alert('pwned')</script> call me 520-555-0100 '; DROP TABLE events; --"
SMALL = {str(n) for n in range(1, 11)}


def _cli(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    work = tmp_path_factory.mktemp("console")
    tracker_url = f"sqlite:///{work / 'tracker.db'}"
    engine = database.engine(tracker_url)
    # Dense enough, on any weekday, that app-by-week cells pass the small-count suppression: at
    # 20,000 events over 60 days every cell of the trend was below it on some days (no line drawn).
    # They end an hour ago, so the conversation below is the newest and first on the Conversations page.
    synthetic.fill(engine, 60000, seed=21, end=time.time() - 3600, days=35)
    now = time.time() - 600
    rows = [
        synthetic._event("attacker-1", "user", now, {"text": INJECTED_TEXT, "input_channel": "rest",
                         "parse_data": {"intent": {"name": "out_of_scope"}, "entities": []}}, intent="out_of_scope"),
        synthetic._event("attacker-1", "bot", now + 0.4, {"text": "Say it another way <b>please</b>"}),
    ]
    with engine.begin() as conn:
        conn.execute(database.events.insert(), rows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENALES_")}
    env.update(
        PYTHONPATH=str(ROOT), SENALES_TRACKER_DB_URL=tracker_url, SENALES_REPORTS_DB=str(work / "reports.db"),
        SENALES_REPORTS_KEY_FILE=str(ensure_local_key(work / "reports.key")), SENALES_REPORTS_AUDIT_LOG=str(work / "audit.log"),
    )
    key = (work / "reports.key").read_bytes().strip()
    with ReportStore(env["SENALES_REPORTS_DB"], key) as store:
        code = store.create_report({"what_happened": STORY, "recruiter_app": "Snapchat", "danger_type": "threat"},
                                   language="en", channel="rest", sender_id="+15205550100")
    created = _cli(env, "staff", "add-user", USER, "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    port = free_port()
    server = servers.console_server(port, ARTIFACTS / "console.log", env=env)
    server.start()
    try:
        server.wait_ready(timeout=60)
        yield {"base": f"http://{servers.HOST}:{port}", "env": env, "code": code, "engine": engine, "work": work}
    finally:
        server.stop()


# -- plain HTTP ------------------------------------------------------------------------------------
class _Client:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def get(self, path):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path, fields):
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.base + path, data=data, method="POST"))

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def csrf(self, path):
        import re

        return re.search(r'name="csrf" value="([^"]+)"', self.get(path)[2]).group(1)

    def login(self, password=PASSWORD, username=USER):
        return self.post("/login", {"csrf": self.csrf("/login"), "username": username, "password": password, "next": "/"})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_pages_need_a_login_and_cookies_are_httponly_and_samesite(console):
    client = _Client(console["base"])
    for path in ("/", "/offers", "/reports", f"/reports/{console['code']}", "/conversations", "/export.csv"):
        status, headers, _ = client.get(path)
        assert status == 302 and headers["Location"].startswith("/login"), (path, status)
    status, headers, _ = client.login()
    assert status == 302 and headers["Location"] == "/"
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/")[0] == 200


def test_login_never_redirects_to_another_site(console):
    client = _Client(console["base"])
    status, headers, _ = client.post("/login", {"csrf": client.csrf("/login"), "username": USER, "password": PASSWORD,
                                                "next": "//evil.example/phish"})
    assert status == 302 and headers["Location"] == "/"


def test_forms_without_the_csrf_token_are_refused(console):
    client = _Client(console["base"])
    client.login()
    status, _, body = client.post(f"/reports/{console['code']}/note", {"note": "forged", "close": "1"})
    assert status == 403 and "Form expired" in body
    status, _, body = client.post("/login", {"username": USER, "password": PASSWORD})
    assert status == 403


def test_repeated_wrong_passwords_lock_the_account(console):
    _cli(console["env"], "staff", "add-user", "casey", "--password-stdin", stdin="another-long-password\n")
    client = _Client(console["base"])
    for _ in range(4):
        assert client.login("nope-nope-nope", "casey")[0] == 401
    status, _, body = client.login("nope-nope-nope", "casey")
    assert status == 401 and "locked" in body
    status, _, body = client.login("another-long-password", "casey")
    assert status == 401 and "locked" in body, "even the right password waits out the lock"


def test_bad_filters_get_a_clear_message_and_injection_goes_nowhere(console):
    client = _Client(console["base"])
    client.login()
    status, _, body = client.get("/?from=2026-13-45")
    assert status == 400 and "is not a day of the calendar" in body
    status, _, body = client.get("/?to=last%20week")
    assert status == 400 and "must look like 2026-11-27" in body
    status, _, body = client.get("/?from=2026-11-20&to=2026-11-01")
    assert status == 400 and "after the end date" in body
    evil = urllib.parse.quote("rest' OR '1'='1'; DROP TABLE events; --")
    status, _, body = client.get(f"/?channel={evil}")
    assert status == 400 and "channel name has only letters" in body and "DROP TABLE" not in body
    status, _, body = client.get("/export.csv?language=<script>")
    assert status == 400 and "<script>" not in body
    status, _, body = client.get("/reports/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert status == 404 and "<script>" not in body
    status, _, body = client.get("/conversations/' OR 1=1 --".replace(" ", "%20"))
    assert status == 404
    with console["engine"].connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(database.events)).scalar() > 20000


def test_csv_export_has_no_small_count(console):
    client = _Client(console["base"])
    client.login()
    status, headers, body = client.get("/export.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["section", "category", "period", "value"]
    values = [row[3] for row in rows[3:]]
    assert not SMALL & set(values), [r for r in rows if r[3] in SMALL]
    assert "<11" in values and any(v.isdigit() and int(v) >= 11 for v in values)


# -- Chromium --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        skip_or_fail("Debian's chromium and chromium-driver are not installed")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail("selenium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1600"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.implicitly_wait(5)  # elements of a page still loading after a click
    yield driver
    driver.quit()


def _shot(driver, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"console-{name}.png"
    driver.set_window_size(1280, 900)  # measure the page, not the last window
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, max(900, min(int(height) + 40, 4000)))
    driver.save_screenshot(str(path))
    return path


def _page_replaced(old):
    """A wait condition: true once the page that held ``old`` has been replaced.

    Selenium's ``staleness_of`` expects StaleElementReferenceException, but
    Chromium sometimes answers a node of a page being torn down with a plain
    "Node with given id does not belong to the document" error (seen once in
    CI); that means the same thing here, the old page is gone.
    """
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def replaced(_driver):
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
        return False

    return replaced


def _submit(driver, button):
    """Click a submit button and wait until the next page has replaced this one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(driver, 20).until(_page_replaced(old))


def _login(driver, base, password):
    from selenium.webdriver.common.by import By

    driver.get(base + "/login")
    driver.find_element(By.NAME, "username").send_keys(USER)
    driver.find_element(By.NAME, "password").send_keys(password)
    _submit(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


@pytest.mark.services
def test_staff_walkthrough_in_chromium(console, browser):
    from selenium.webdriver.common.by import By

    base, driver = console["base"], browser
    driver.delete_all_cookies()
    driver.get(base + "/reports")
    assert urllib.parse.urlparse(driver.current_url).path == "/login", "no login, no page"

    _login(driver, base, "wrong-password-123")
    assert "Wrong user name or password" in driver.find_element(By.CSS_SELECTOR, ".error").text
    _shot(driver, "login-refused")

    _login(driver, base, PASSWORD)
    assert urllib.parse.urlparse(driver.current_url).path == "/"
    charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) >= 5 and driver.find_elements(By.CSS_SELECTOR, "svg.chart rect[fill^='#']")
    cards = [c.text for c in driver.find_elements(By.CSS_SELECTOR, ".card .num")]
    assert cards and not SMALL & set(cards)
    assert not SMALL & {t.text for t in driver.find_elements(By.CSS_SELECTOR, "svg text.val")}
    _shot(driver, "overview")

    driver.find_element(By.LINK_TEXT, "Offers & apps").click()
    assert "Offers & apps" in driver.find_element(By.TAG_NAME, "h1").text
    assert driver.find_elements(By.CSS_SELECTOR, "svg.chart path")  # the platform trend lines
    assert not SMALL & {td.text for td in driver.find_elements(By.CSS_SELECTOR, "table.data td")}
    _shot(driver, "offers")

    driver.find_element(By.LINK_TEXT, "Report queue").click()
    driver.find_element(By.LINK_TEXT, console["code"]).click()
    story = driver.find_element(By.CSS_SELECTOR, "dd.story").text
    assert story == STORY, "shown as text, markup and all, not run"
    assert "&lt;script&gt;" in driver.page_source
    driver.find_element(By.NAME, "note").send_keys("Called the school counselor <i>today</i>")
    _submit(driver, driver.find_element(By.CSS_SELECTOR, "button[value='0']"))
    assert "Called the school counselor <i>today</i>" in driver.find_element(By.CSS_SELECTOR, ".note-item").text
    _shot(driver, "report")
    audit = [json.loads(line) for line in open(console["env"]["SENALES_REPORTS_AUDIT_LOG"], encoding="utf-8")]
    views = [a for a in audit if a["case_code"] == console["code"] and a["who"] == f"console:{USER}"]
    assert {"show", "note"} <= {a["action"] for a in views}

    driver.find_element(By.LINK_TEXT, "Overview").click()
    href = driver.find_element(By.ID, "export-csv").get_attribute("href")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(href, headers={"Cookie": cookies}), timeout=30) as response:
        assert response.headers["Content-Type"].startswith("text/csv")
        exported = list(csv.reader(io.StringIO(response.read().decode())))
    assert len(exported) > 20 and not SMALL & {row[3] for row in exported[1:]}

    driver.find_element(By.LINK_TEXT, "Conversations").click()
    _shot(driver, "conversations")
    driver.find_element(By.CSS_SELECTOR, "table.data a").click()
    body = driver.find_element(By.CSS_SELECTOR, ".transcript").text
    assert "<script>alert('pwned')</script>" in body and "520-555-0100" not in body and "[phone]" in body
    assert not driver.find_elements(By.CSS_SELECTOR, ".transcript script")
    driver.find_element(By.CSS_SELECTOR, "input[value='needs-follow-up']").click()
    _submit(driver, driver.find_element(By.XPATH, "//button[text()='Save tags']"))
    assert driver.find_element(By.CSS_SELECTOR, "input[value='needs-follow-up']").is_selected()
    _shot(driver, "transcript")

    driver.get(base + "/?from=2026-02-30")
    assert "2026-02-30 is not a day of the calendar" in driver.find_element(By.CSS_SELECTOR, ".error").text
    _shot(driver, "bad-filter")

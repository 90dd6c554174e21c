"""Every role in Swedish: each page's visible text must be Swedish, a name, a number or data the test typed.

The check is by word: every word shown (text, option labels, placeholders, titles and ARIA labels, the
page title) must occur in a Swedish text OneStop ships (the catalogue's translations, the `_sv` texts of
the routines, the offices' Swedish titles, Swedish month and day names), in a proper name (OneStop,
the people, the business key prefixes) or in what the test typed. Text in another language on purpose
(the language switch, `lang="en"`), code and raw data (`<pre>`, `<code>`, `<textarea>`) and the
attributions that licences want verbatim (bpmn.io, the map's) are left out.
`test_the_check_flags_an_english_page` shows that the check can fail.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from babel.dates import get_day_names, get_month_names
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from processes.db import upgrade
from processes.demo import CSU_TITLES, OFFICES, PEOPLE, seed_people
from processes.deployments import deploy_version
from processes.files import read_process_files
from processes.models import Article
from processes.notifications import TEMPLATES
from processes.translations import bpmn_documentation, bpmn_names
from processes.unit import Database
from processes.users import set_locale
from webui.app import create_app

ROOT = Path(__file__).resolve().parents[2]
SV_PO = ROOT / "webui" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
WORD = re.compile(r"[^\W\d_]+")
# e-mail addresses, links, placeholders, identifiers (streets_parks, school_officer), version labels (v1)
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|%\(\w+\)[sd]|\{\w+\}|[\w-]*_[\w-]*|\bv\d+\b")
PROPER_NAMES = "OneStop CR PA bpmn io SEK CSV XES"
# What the test types: Swedish, as citizens and staff here write.
CITIZEN = {"name": "Märta Ek", "email": "marta.ek@example.org", "description": "Ett djupt hål i cykelbanan på Ågatan."}
QUESTION = "Vilken sida av bron är hålet på?"
REPLY = "Norra sidan, vid bageriet."
ANSWER = "Hålet lagas på fredag."
INTAKE_TEXT = "Gatlampan vid busshållplatsen på Kyrkvägen är trasig."
ARTICLE = ("Trasig gatubelysning", "Fråga efter stolpens nummer; lagningar görs varje vecka. Felanmälan: 0771-100 100.")
# The same in English: the search must not show it to a Swedish reader while the Swedish one matches.
ENGLISH_ARTICLE = ("Broken streetlight", "Ask for the post number; repairs are weekly. Fault line: 0771-100 100.")
INTAKE_NAME = "Nils Berg"
TYPED = " ".join([*CITIZEN.values(), QUESTION, REPLY, ANSWER, INTAKE_TEXT, INTAKE_NAME, *ARTICLE])


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(NOT_WORDS.sub(" ", text))}


def swedish_vocabulary() -> set[str]:
    """Every word of a Swedish text OneStop ships, of a proper name, or of what the test types."""
    with SV_PO.open("rb") as source:
        catalog = read_po(source, locale="sv")
    texts = [s for m in catalog if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,)) if s]
    files, _ = read_process_files([ROOT / "bpmn"])
    for name, content in files.items():
        if name.endswith(".bpmn"):
            texts += [t["sv"] for t in bpmn_names(content).values() if "sv" in t]
            texts += [t["sv"] for t in bpmn_documentation(content).values() if "sv" in t]  # descriptions
        elif name.endswith(".form"):
            texts += [v for k, v in re.findall(r'"(\w+_sv)": "((?:[^"\\]|\\.)*)"', content)]
    texts += [sv for _, sv in OFFICES.values()] + [CSU_TITLES[1]]
    texts += [str(n) for kind in ("abbreviated", "wide") for n in get_month_names(kind, locale="sv").values()]
    texts += [str(n) for kind in ("abbreviated", "wide") for n in get_day_names(kind, locale="sv").values()]
    texts += [sv for _, (subject, body) in TEMPLATES["sv"].items() for sv in (subject, body)]  # e-mails
    for script in (ROOT / "frontend").glob("*.js"):  # the scripts' own Swedish words, e.g. sv: { in: 'Zooma in' }
        texts += re.findall(r"\bsv: \{([^}]*)\}", script.read_text())
    texts += [f"{login} {display}" for login, (display, *_) in PEOPLE.items()] + [PROPER_NAMES, TYPED]
    return set().union(*(words(t) for t in texts))


COLLECT = """() => {
  const out = [];
  const language = (el) => ((el.closest('[lang]') || document.documentElement).getAttribute('lang') || '');
  const skipped = (el) => el.closest('script, style, noscript, pre, code, kbd, textarea, .bjs-powered-by, '
    + '.fjs-powered-by, .leaflet-control-attribution') !== null || !language(el).startsWith('sv');
  // A diagram label wraps into lines (tspans), breaking a long word anywhere: give its lines together.
  for (const label of document.querySelectorAll('svg text')) {
    if (!skipped(label) && label.checkVisibility()) {
      out.push({lines: [...label.querySelectorAll('tspan')].map((t) => t.textContent)});
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim() || skipped(el) || el.closest('svg text')) continue;
    const option = el.closest('option, optgroup') !== null;  // listed even while the select is closed
    if (!option && !el.checkVisibility()) continue;
    out.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], img[alt], optgroup[label], '
      + 'input[type=submit], input[type=button]')) {
    if (skipped(el)) continue;
    for (const name of ['placeholder', 'aria-label', 'title', 'alt', 'label']) {
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
    }
    if (el.tagName === 'INPUT' && el.value) out.push(el.value);
  }
  out.push(document.title);
  return out;
}"""


class Walk:
    """Pages seen in Swedish, and the words on them that are not."""

    def __init__(self, base: str, vocabulary: set[str]):
        self.base, self.vocabulary = base, vocabulary
        self.unknown: dict[str, dict[str, str]] = {}
        self.pages = 0

    def check(self, page: Page, label: str | None = None) -> None:
        page.wait_for_load_state("networkidle")
        texts: list[str | dict[str, list[str]]] = page.evaluate(COLLECT)
        self.pages += 1
        where = label or page.url.replace(self.base, "")
        for text in texts:
            shown = " ".join(text["lines"]) if isinstance(text, dict) else text
            for word in self.unknown_words(text):
                self.unknown.setdefault(where, {}).setdefault(word, shown[:80])

    def unknown_words(self, text: str | dict[str, list[str]]) -> list[str]:
        """The words not in the vocabulary; in a diagram label a word may run on into the next line."""
        if isinstance(text, str):
            return sorted(words(text) - self.vocabulary)
        parts = [w.lower() for line in text["lines"] for w in WORD.findall(NOT_WORDS.sub(" ", line))]
        unknown, at = [], 0
        while at < len(parts):
            if parts[at] in self.vocabulary:
                at += 1
            elif at + 1 < len(parts) and parts[at] + parts[at + 1] in self.vocabulary:
                at += 2
            else:
                unknown.append(parts[at])
                at += 1
        return unknown

    def visit(self, page: Page, path: str) -> None:
        response = page.goto(f"{self.base}{path}")
        assert response is not None and response.status == 200, (path, response and response.status)
        self.check(page)


@pytest.fixture(scope="module")
def swedish_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Its own database and server: only what this walk creates is on its pages, every login reads Swedish."""
    url = f"sqlite:///{tmp_path_factory.mktemp('swedish') / 'walk.db'}"
    upgrade(url)
    database = Database(url)

    def seed(session: Session) -> None:
        for user in seed_people(session).values():
            set_locale(session, user, "sv")
        session.add(Article(title=ARTICLE[0], category="streetlight", body=ARTICLE[1], language="sv"))
        session.add(Article(title=ENGLISH_ARTICLE[0], category="streetlight", body=ENGLISH_ARTICLE[1], language="en"))
        files, _ = read_process_files([ROOT / "bpmn"])
        deploy_version(session, None, files)

    database.run(seed)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "swedish-walk", "RATELIMIT_ENABLED": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    database.dispose()


@pytest.fixture
def swedish_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="sv-SE", extra_http_headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    page = context.new_page()
    yield page
    context.close()


def log_in(page: Page, walk: Walk, username: str) -> None:
    page.goto(f"{walk.base}/login")
    walk.check(page)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill("demo")
    page.get_by_role("button", name="Logga in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)
    walk.check(page)


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(lambda url: "/login" in url)


def open_task(page: Page, walk: Walk, ref: str, name: str) -> None:
    walk.visit(page, "/inbox")
    page.get_by_role("row").filter(has_text=ref).get_by_role("link", name=name).click()
    expect(page.locator("#task-form-container[data-ready=true]")).to_be_attached()
    if page.get_by_role("button", name="Ta").count():
        page.get_by_role("button", name="Ta").click()
        expect(page.locator("#task-form-container[data-ready=true]")).to_be_attached()
    walk.check(page)


def complete(page: Page, walk: Walk) -> None:
    page.get_by_role("button", name="Slutför uppgiften").click()
    page.wait_for_url(re.compile(r"/inbox|/cases/"))
    walk.check(page)


def test_every_role_walks_onestop_in_swedish(swedish_page: Page, swedish_server: str) -> None:
    page, walk = swedish_page, Walk(swedish_server, swedish_vocabulary())

    # The citizen reports a pothole on the portal.
    walk.visit(page, "/portal")
    page.locator("#category").select_option("pothole")
    page.locator("#description").fill(CITIZEN["description"])
    page.locator("#citizen_name").fill(CITIZEN["name"])
    page.locator("#citizen_email").fill(CITIZEN["email"])
    page.get_by_role("button", name="Skicka ärendet").click()
    page.wait_for_url(re.compile(r"/track/"))
    walk.check(page)
    track = page.url
    ref = page.locator("h1").inner_text().split()[-1]

    # The CSU sees what each process is for, searches the knowledge base (the Swedish article only;
    # an English one, marked so, when nothing Swedish matches), registers a request and looks around.
    log_in(page, walk, "csu")
    walk.visit(page, "/start")
    expect(page.get_by_text("Ett invånarärende hos kontaktcenter", exact=False)).to_be_visible()
    walk.visit(page, "/intake")
    page.get_by_label("Sök artiklar").fill("0771")
    expect(page.locator("#kb-results .kb-title")).to_have_text([ARTICLE[0]])
    walk.check(page, "knowledge base: Swedish article")
    page.get_by_label("Sök artiklar").fill("fault")
    expect(page.locator("#kb-results .kb-title")).to_have_text([ENGLISH_ARTICLE[0]])
    expect(page.locator("#kb-results .kb-language")).to_have_text(["På engelska"])
    walk.check(page, "knowledge base: only an English article matches")
    page.get_by_label("Sök artiklar").fill("")
    page.get_by_label("Kanal").select_option("phone")
    page.get_by_label("Invånarens namn").fill(INTAKE_NAME)
    page.get_by_label("Kategori").select_option("streetlight")
    page.get_by_label("Beskrivning").fill(INTAKE_TEXT)
    page.get_by_role("button", name="Registrera ärendet").click()
    page.wait_for_url(re.compile(r"/intake/cases/"))
    walk.check(page)
    for path in ("/inbox", "/admin/outbox", "/profile", "/cases"):
        walk.visit(page, path)
    page.get_by_role("link", name=ref).first.click()
    walk.check(page)
    log_out(page)

    # The office asks the citizen a question (after form-js has said, in Swedish, that an outcome is needed).
    log_in(page, walk, "officer")
    open_task(page, walk, ref, "Handlägg ärendet")
    page.get_by_role("button", name="Slutför uppgiften").click()
    expect(page.locator("#task-form-container")).to_contain_text("Fältet måste fyllas i.")
    walk.check(page, "task form with an error")
    page.get_by_label("Behöver komplettering från invånaren").check()
    page.get_by_label("Vad ska kontaktcenter fråga invånaren?").fill(QUESTION)
    complete(page, walk)
    log_out(page)

    # The citizen answers on the tracking page.
    page.goto(track)
    walk.check(page)
    page.get_by_label("Ditt svar").fill(REPLY)
    page.get_by_role("button", name="Skicka svaret").click()
    page.wait_for_url(re.compile(r"/track/"))
    expect(page.locator(".flash-success")).to_be_visible()
    walk.check(page)

    # The office resolves it; the citizen rates the answer.
    log_in(page, walk, "officer")
    open_task(page, walk, ref, "Handlägg ärendet")
    page.get_by_label("Löst", exact=True).check()
    page.get_by_label("Svar till invånaren (behövs när ärendet är löst)").fill(ANSWER)
    complete(page, walk)
    walk.visit(page, "/cases")
    page.get_by_role("link", name=ref).first.click()
    walk.check(page)
    log_out(page)
    page.goto(track)
    page.locator("input[name=score][value='5']").check()
    page.get_by_role("button", name="Skicka omdöme").click()
    walk.check(page)

    # The manager, the analyst and the administrator.
    log_in(page, walk, "manager")
    for path in ("/manager", "/dashboard", "/dashboard/heatmap/citizen_request"):
        walk.visit(page, path)
    log_out(page)
    log_in(page, walk, "analyst")
    for path in ("/modeler", "/dashboard", "/knowledge/new", "/knowledge"):
        walk.visit(page, path)
    page.get_by_role("link", name=ARTICLE[0]).click()  # the article's edit page
    walk.check(page)
    log_out(page)
    log_in(page, walk, "admin")
    for path in ("/admin", "/admin/users", "/admin/lanes", "/admin/processes", "/admin/outbox", "/admin/groups"):
        walk.visit(page, path)
    page.get_by_role("link", name="Gator och parker").first.click()
    walk.check(page)

    assert walk.pages >= 30
    assert walk.unknown == {}, json.dumps(walk.unknown, ensure_ascii=False, indent=1)


def test_the_check_flags_an_english_page(browser: Browser, swedish_server: str) -> None:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    walk = Walk(swedish_server, swedish_vocabulary())
    page.goto(f"{swedish_server}/portal")
    page.evaluate("document.documentElement.lang = 'sv'")  # claim Swedish: the words must give it away
    walk.check(page, "portal in English")
    context.close()
    flagged: dict[str, Any] = walk.unknown.get("portal in English", {})
    assert {"send", "request", "category", "your"} <= set(flagged)


# --- The editors: bpmn-js, its properties panel with the OneStop group, and dmn-js, through frontend/translate.js.

EDITOR_DICTIONARY = ROOT / "frontend" / "translations" / "sv.json"
# What bpmn-io writes in English without asking `translate` (only patching their DOM would change it; we do not):
# diagram-js's search count, dmn-js's context menu name and its column drag handles, and the pop-up button of
# the Documentation field (bpmn-js-properties-panel gives that text area no `translate`). docs/translations.md.
UNTRANSLATABLE = re.compile(
    r"^(\d+ results? found|Decision table context menu|Move (Input|Output)|Open pop-up editor)$")
# The files the test adds to its draft.
FILES = {"dmn": "fordelning", "form": "kontroll"}

COLLECT_EDITOR = """() => {
  const out = [];
  const skipped = (el) => el.closest('svg text, [contenteditable], .bjs-powered-by, '
      + '.bio-properties-panel-header-label, script, style') !== null
    || !((el.closest('[lang]') || document.documentElement).getAttribute('lang') || '').startsWith('sv');
  const areas = [...document.querySelectorAll('.os-editor, .djs-popup, .context-menu')];
  for (const area of areas) {
    // an element's own text, its text nodes together ("3 results found" is three of them)
    for (const el of [area, ...area.querySelectorAll('*')]) {
      const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('');
      if (!own.trim() || skipped(el)) continue;
      if (el.closest('option, optgroup') === null && !el.checkVisibility()) continue;
      out.push(own.trim());
    }
    for (const el of area.querySelectorAll('[title], [aria-label], [placeholder], optgroup[label]')) {
      if (skipped(el)) continue;
      for (const name of ['title', 'aria-label', 'placeholder', 'label']) {
        if (el.getAttribute(name)) out.push(el.getAttribute(name));
      }
    }
  }
  return out;
}"""

SELECT = """(id) => { document.activeElement.blur(); const m = window.onestopEditor.modeler;
  m.get('selection').select(m.get('elementRegistry').get(id)); }"""


def file_words(*names: str) -> set[str]:
    """Words of the routine files' own texts (names, labels, documentation, table cells, values): the editor
    shows them as they are, in the routine's default language."""
    found: set[str] = set()
    for name in names:
        for element in ElementTree.parse(ROOT / "bpmn" / name).getroot().iter():
            for text in [*element.attrib.values(), element.text or ""]:
                found |= words(text)
    return found


def editor_vocabulary() -> set[str]:
    translations = json.loads(EDITOR_DICTIONARY.read_text())
    return swedish_vocabulary() | set().union(*(words(t) for t in translations.values()))


def editor_ready(page: Page) -> None:
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")


def open_groups(page: Page) -> None:
    """Open every group of the properties panel and every item of its lists."""
    for selector in (".bio-properties-panel-group-header:not(.open)",
                     ".bio-properties-panel-collapsible-entry-header:not(.open)"):
        closed = page.locator(selector)
        for _ in range(30):  # each click opens one: the locator finds the next
            if not closed.count():
                break
            closed.first.click()
        else:
            raise AssertionError(f"{selector} stay closed")


def walk_the_bpmn_editor(page: Page, check: Any, file: str) -> None:
    """Each kind of element of a shipped routine: its properties, context pad, replace menu and its search."""
    page.evaluate("async (xml) => { await window.onestopEditor.modeler.importXML(xml); }",
                  (ROOT / "bpmn" / file).read_text())
    firsts: list[tuple[str, str]] = page.evaluate("""() => { const seen = new Map();
        for (const e of window.onestopEditor.modeler.get('elementRegistry').getAll()) {
          if (e.type !== 'label' && !seen.has(e.type)) seen.set(e.type, e.id); }
        return [...seen.entries()]; }""")
    for kind, element_id in firsts:
        page.evaluate(SELECT, element_id)
        open_groups(page)
        check(f"{file}: {kind}")
        replace = page.locator('.djs-context-pad .entry[data-action="replace"]')
        if replace.count():
            replace.click()
            expect(page.locator(".djs-popup")).to_be_visible()
            check(f"{file}: {kind}, replace menu")
            page.keyboard.type("gr")
            check(f"{file}: {kind}, replace menu searched")
            page.keyboard.press("Escape")


def add_file(page: Page, kind: str) -> None:
    """Add the draft's new file of this kind (its name in FILES) and wait for its editor."""
    page.locator("#f-kind").select_option(kind)
    page.locator("#f-name").fill(FILES[kind])
    page.locator("#f-name").press("Enter")
    page.wait_for_function("(kind) => window.onestopEditor?.ready && window.onestopEditor.kind === kind", arg=kind)


def test_the_bpmn_and_dmn_editors_speak_swedish(swedish_page: Page, swedish_server: str) -> None:
    """Palette, context pad, replace menu, properties panel (the OneStop group too) and the decision table
    editor show Swedish words only, and ask `translate` for no text the dictionary lacks; form-js says its
    editor is English."""
    page = swedish_page
    vocabulary = editor_vocabulary() | file_words("citizen_request.bpmn", "permit_application.bpmn",
                                                   "route_request.dmn") | words(" ".join(FILES.values()) + " forms")
    unknown: dict[str, dict[str, str]] = {}

    def check(where: str) -> None:
        for text in page.evaluate(COLLECT_EDITOR):
            if UNTRANSLATABLE.match(text):
                continue
            for word in sorted(words(text) - vocabulary):
                unknown.setdefault(where, {}).setdefault(word, text[:80])

    page.goto(f"{swedish_server}/login")
    page.get_by_label("Användarnamn").fill("analyst")
    page.get_by_label("Lösenord").fill("demo")
    page.get_by_role("button", name="Logga in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{swedish_server}/modeler")
    page.locator("#f-key").fill(f"redigerare_{secrets.token_hex(3)}")
    page.get_by_role("button", name="Skapa utkast").click()
    editor_ready(page)
    assert page.evaluate("document.documentElement.lang") == "sv"
    check("new process")
    for file in ("citizen_request.bpmn", "permit_application.bpmn"):
        walk_the_bpmn_editor(page, check, file)
    page.evaluate("""() => { const m = window.onestopEditor.modeler; const r = m.get('elementRegistry');
        m.get('selection').select(r.filter((e) => e.type === 'bpmn:UserTask').slice(0, 2)); }""")
    check("two tasks selected")
    bpmn_missing = page.evaluate("OneStop.missingTranslations()")

    # The routing table of the shipped routine in the decision table editor, then its DRD.
    add_file(page, "dmn")
    page.evaluate("""async (xml) => { const m = window.onestopEditor.modeler; await m.importXML(xml);
        await m.open(m.getViews().find((view) => view.type === 'decisionTable')); }""",
                  (ROOT / "bpmn" / "route_request.dmn").read_text())
    expect(page.locator(".tjs-table")).to_be_visible()
    check("decision table")
    for target, name in ((".tjs-table tbody td.input-cell", "rule"), (".tjs-table th.input-cell", "input"),
                         (".tjs-table th.output-cell", "output")):
        page.locator(target).first.click(button="right")
        expect(page.locator(".context-menu")).to_be_visible()
        check(f"decision table: context menu of a {name}")
        page.keyboard.press("Escape")
        if name != "rule":  # the column's editor
            page.locator(target).first.dblclick()
            check(f"decision table: {name} edited")
            page.keyboard.press("Escape")
    page.locator(".os-dmn-tab").first.click()
    expect(page.locator(".djs-palette")).to_be_visible()
    page.evaluate("""() => { const viewer = window.onestopEditor.modeler.getActiveViewer();
        const decision = viewer.get('elementRegistry').filter((e) => e.type === 'dmn:Decision')[0];
        viewer.get('selection').select(decision); }""")
    check("decision requirements")
    dmn_missing = page.evaluate("OneStop.missingTranslations()")

    # form-js's editor has no translations: it stays English, and says so.
    add_file(page, "form")
    expect(page.locator("#os-canvas > .os-form-editor[lang=en] .fjs-editor-container")).to_be_visible()
    check("form editor")

    assert bpmn_missing + dmn_missing == [], "asked for, not in frontend/translations/sv.json"
    assert unknown == {}, json.dumps(unknown, ensure_ascii=False, indent=1)

"""The Chinese catalog is complete, and pages come out in the chosen language.

Extraction runs exactly as docs/i18n.md says (pybabel with babel.cfg over app/ and
templates/). A string added to the code or a template without a Chinese translation
fails here, naming the string.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PYBABEL = Path(sys.executable).with_name("pybabel")

#: Must match the extract command in docs/i18n.md and the Makefile.
EXTRACT_ARGS = ["extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
                "--ignore-dirs", ".* __pycache__ node_modules", "--no-location", "--sort-output"]

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The msgids of the code and templates as they are now."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    result = subprocess.run([str(PYBABEL), *EXTRACT_ARGS, "-o", str(pot), "."],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    with pot.open("rb") as handle:
        catalog = read_po(handle)
    return {message.id: message for message in catalog if message.id}


@pytest.fixture(scope="module")
def zh_catalog():
    """The committed Chinese catalog."""
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh")


@pytest.fixture
def compiled(app):
    """Make sure the .mo matches the .po (the Makefile normally compiles it) and reload it."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        with PO.open("rb") as handle:
            catalog = read_po(handle, locale="zh")
        with MO.open("wb") as handle:
            write_mo(handle, catalog)
    app.extensions["babel"].instance.domain_instance.cache.clear()
    return app


def test_extraction_finds_the_site_strings(extracted):
    # Python (lazy_gettext), the page templates and the macro folder are all scanned.
    for msgid in ("Zhibo", "Please log in first.", "Live now", "Episode %(number)s", "Back to the home page"):
        assert msgid in extracted


def test_every_msgid_has_a_chinese_translation(extracted, zh_catalog):
    problems = []
    for msgid in sorted(extracted, key=str):
        message = zh_catalog.get(msgid)
        if message is None:
            problems.append(f"not in the catalog: {msgid!r}")
        elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            problems.append(f"untranslated: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
    assert not problems, ("Run the update commands in docs/i18n.md and translate:\n  "
                          + "\n  ".join(problems))


def test_translations_keep_their_placeholders(zh_catalog):
    for message in zh_catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, message.id


def test_site_name_is_zhibo(zh_catalog):
    assert zh_catalog.get("Zhibo").string == "执播"


def test_home_is_chinese_by_default(compiled, client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    for text in ("执播", "正在直播", "即将开播", "民意征集", "回头看", "往期回顾"):
        assert text in html
    assert "Live now" not in html


def test_home_in_english_with_lang_parameter(compiled, client):
    response = client.get("/?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en">' in html
    for text in ("Zhibo", "Live now", "Coming up", "Topic poll", "Follow-ups", "Past episodes"):
        assert text in html
    assert "正在直播" not in html


def test_language_switch_sticks_for_the_session(compiled, client):
    client.get("/lang/en")
    assert "Live now" in client.get("/").get_data(as_text=True)
    client.get("/lang/zh")
    assert "正在直播" in client.get("/").get_data(as_text=True)


def test_form_messages_from_python_are_translated(compiled, client):
    html = client.get("/account/register").get_data(as_text=True)
    assert "3 至 30 位小写字母、数字或下划线" in html  # a field description (lazy_gettext in forms.py)
    assert 'name="csrf_token"' in html


@pytest.mark.parametrize("path", ["/nope", "/account/logout"])
def test_error_pages_are_translated(compiled, client, path):
    html = client.get(path).get_data(as_text=True)
    assert "返回首页" in html
    assert CJK.search(html)
    english = client.get(path + "?lang=en").get_data(as_text=True)
    assert "Back to the home page" in english

"""Every storefront string ships in French, German, Italian and Spanish, and pages say so.

The strings are extracted the way ``makemessages`` finds them (Django's own ``templatize`` for
templates, ``gettext`` calls for Python), so a new string without a translation fails here.
"""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ("fr", "de", "it", "es")
CATALOGS = (ROOT / "wallet" / "locale", ROOT / "config" / "locale")
# What a shopper reads: the storefront's and the site's templates, and the Python that speaks
# to them (page messages, form errors, card labels, the services' refusals).
STOREFRONT_TEMPLATES = (
    *sorted((ROOT / "wallet" / "templates" / "wallet").rglob("*.html")),
    *sorted((ROOT / "templates").rglob("*.html")),
)
STOREFRONT_PYTHON = (
    ROOT / "wallet" / "views.py",
    ROOT / "wallet" / "forms.py",
    ROOT / "wallet" / "instruments.py",
    ROOT / "wallet" / "money.py",
    ROOT / "wallet" / "validators.py",
    ROOT / "wallet" / "exceptions.py",
    *sorted((ROOT / "wallet" / "services").glob("*.py")),
    *sorted((ROOT / "wallet" / "templatetags").glob("*.py")),
)
GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
TEMPLATE_CALL = re.compile(r"\b(?:n?gettext)\(u'((?:[^'\\]|\\.)*)'")


def _unescape(text: str) -> str:
    return ast.literal_eval(f"'{text}'")


def template_messages(path: Path) -> set[str]:
    """The msgids of one template, as ``makemessages`` extracts them."""
    return {_unescape(match) for match in TEMPLATE_CALL.findall(templatize(path.read_text()))}


def python_messages(path: Path) -> set[str]:
    """The msgids of the gettext calls with a literal first argument in one module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        first = node.args[0]
        if name in GETTEXT_FUNCTIONS and isinstance(first, ast.Constant):
            found.add(str(first.value))
    return found


def storefront_messages() -> dict[str, str]:
    """Every storefront msgid with one file it comes from."""
    messages: dict[str, str] = {}
    for path in STOREFRONT_TEMPLATES:
        for message in template_messages(path):
            messages.setdefault(message, str(path.relative_to(ROOT)))
    for path in STOREFRONT_PYTHON:
        for message in python_messages(path):
            messages.setdefault(message, str(path.relative_to(ROOT)))
    return messages


def translations(language: str) -> dict[str, str]:
    """msgid → msgstr of the shipped catalogs of ``language`` (fuzzy entries left out)."""
    found: dict[str, str] = {}
    for directory in CATALOGS:
        path = directory / language / "LC_MESSAGES" / "django.po"
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            msgstr = message.string[0] if isinstance(message.string, tuple) else message.string
            if msgstr:
                found[msgid] = msgstr
    return found


def test_the_storefront_has_strings_to_translate():
    messages = storefront_messages()

    assert "Saved cards" in messages
    assert len(messages) > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_storefront_string_is_translated(language):
    translated = translations(language)

    missing = {
        message: where
        for message, where in storefront_messages().items()
        if message not in translated
    }

    assert not missing, f"{len(missing)} untranslated in {language}: {missing}"


def test_only_shipped_languages_are_offered():
    assert [code for code, _name in settings.LANGUAGES] == ["en", *LANGUAGES]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"),
    [("fr", "Connexion"), ("de", "Anmelden"), ("it", "Accedi"), ("es", "Iniciar sesión")],
)
def test_a_browser_language_gets_the_page_in_it(client, language, heading):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert heading in html


@pytest.mark.django_db
def test_an_unshipped_language_gets_english_and_says_so(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="pt-BR")

    assert '<html lang="en"' in response.content.decode()


@pytest.mark.django_db
def test_the_shopper_can_switch_language(client):
    client.get("/accounts/login/")

    response = client.post("/i18n/setlang/", {"language": "de", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert '<html lang="de"' in client.get("/accounts/login/").content.decode()


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogs():
    """Compile the catalogs as ``make messages`` does, for a run of pytest without make."""
    from babel.messages.mofile import write_mo

    for directory in CATALOGS:
        for po_path in directory.glob("*/LC_MESSAGES/django.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as handle:
                catalog = read_po(handle)
            with mo_path.open("wb") as handle:
                write_mo(handle, catalog)
    from django.utils.translation import trans_real

    trans_real._translations.clear()  # catalogs loaded before the compile lacked ours


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("fr", "Cartes enregistrées"),
        ("de", "Gespeicherte Karten"),
        ("it", "Carte salvate"),
        ("es", "Tarjetas guardadas"),
    ],
)
def test_the_wallet_page_speaks_the_shoppers_language(client, language, title):
    from tests import factories

    customer = factories.CustomerFactory()
    client.force_login(customer.user)

    response = client.get("/wallet/", HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert title in html

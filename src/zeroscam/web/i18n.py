"""Thai and English for every page: one flat JSON catalogue per language, one key set.

`translations/th.json` and `translations/en.json` map keys such as
`"check.title"` to text; `{name}` placeholders are filled with `str.format`.
Thai is the default; `?lang=en` switches and a cookie remembers the choice.
A test proves that both catalogues have exactly the same keys.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
LANGUAGES = ("th", "en")
DEFAULT_LANG = "th"
LANG_COOKIE = "zs_lang"


@lru_cache
def catalogue(lang: str) -> dict[str, str]:
    """The catalogue of one language (cached; the files ship with the package)."""
    if lang not in LANGUAGES:
        raise KeyError(lang)
    with open(TRANSLATIONS_DIR / f"{lang}.json", encoding="utf-8") as f:
        return json.load(f)


class Translator:
    """`t("key", name=value)` for one language; a missing key shows the key itself, never crashes."""

    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANG
        self._messages = catalogue(self.lang)

    def __call__(self, key: str, **values) -> str:
        text = self._messages.get(key)
        if text is None:
            return key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._messages


def pick_language(query_lang: str | None, cookie_lang: str | None, accept_language: str | None = None) -> str:
    """Query parameter first (an explicit click), then the cookie, then Thai.

    Accept-Language is deliberately not used: the public pages are Thai first
    whatever the browser says; English is one click away."""
    for candidate in (query_lang, cookie_lang):
        if candidate and candidate.lower() in LANGUAGES:
            return candidate.lower()
    return DEFAULT_LANG

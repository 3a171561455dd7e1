"""Cheap language identification: a language field the log already has, else script and stop words.

Good enough to tag anchors and pick cue lexicons for the languages the heuristics cover; an anchor's
language is metadata, not a filter, unless the user asks for one.
"""

from __future__ import annotations

import re

_NAMES = {
    "english": "en", "chinese": "zh", "russian": "ru", "spanish": "es", "french": "fr", "german": "de",
    "portuguese": "pt", "italian": "it", "japanese": "ja", "korean": "ko", "arabic": "ar", "dutch": "nl",
    "polish": "pl", "turkish": "tr", "vietnamese": "vi", "indonesian": "id", "ukrainian": "uk",
    "persian": "fa", "hindi": "hi", "latin": "la",
}

_SCRIPTS = [
    ("ja", re.compile(r"[\u3040-\u30ff]")),  # kana before Han: Japanese text also uses Han characters
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
]

_STOPWORDS = {
    "en": {"the", "is", "and", "you", "what", "how", "to", "of", "it", "this", "that", "can", "please", "for", "me"},
    "es": {"el", "la", "que", "de", "por", "favor", "es", "los", "las", "una", "para", "cómo", "qué", "con", "no"},
    "fr": {"le", "la", "les", "est", "que", "vous", "de", "pour", "une", "des", "pas", "je", "c'est", "et", "merci"},
    "de": {"der", "die", "das", "ist", "und", "nicht", "ich", "sie", "bitte", "ein", "eine", "wie", "mit", "zu", "was"},
    "pt": {"o", "os", "que", "de", "não", "é", "um", "uma", "para", "por", "favor", "você", "como", "com", "obrigado"},
    "it": {"il", "che", "di", "non", "è", "per", "una", "sono", "come", "grazie", "della", "gli", "questo", "mi"},
}
_WORD = re.compile(r"[a-zà-ÿ']+")
# word -> the languages whose stop list holds it: one dict lookup per distinct word.
_LANGS_OF: dict[str, tuple[str, ...]] = {}
for _code, _words in _STOPWORDS.items():
    for _w in _words:
        _LANGS_OF[_w] = _LANGS_OF.get(_w, ()) + (_code,)


def language_code(name: str) -> str | None:
    """Map a language field ('English', 'en', 'en-US') to an ISO 639-1 code, or None if unknown."""
    value = name.strip().lower()
    if not value:
        return None
    if value in _NAMES:
        return _NAMES[value]
    short = value.split("-")[0].split("_")[0]
    return short if len(short) == 2 and short.isalpha() else None


def guess_language(text: str) -> str:
    """ISO 639-1 code of `text`, or "und" when it cannot tell."""
    if not text.strip():
        return "und"
    text = text[:600]
    if not text.isascii():
        for code, pattern in _SCRIPTS:
            if len(pattern.findall(text)) >= max(2, len(text) // 20):
                return code
    scores = dict.fromkeys(_STOPWORDS, 0)
    for word in set(_WORD.findall(text.lower())):
        for code in _LANGS_OF.get(word, ()):
            scores[code] += 1
    best = max(scores, key=scores.get)
    return best if scores[best] > 0 else "und"

"""Quality filters: empty or trivial turns, length limits, language allow-list, refused harmful asks.

Each drop has a short reason that is counted in stats.json (`anchors_dropped_by_reason`).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import ClassVar

from dsatkit.filters.anchor_text import field_text, last_user_request
from dsatkit.filters.base import AnchorFilter

_ALNUM = re.compile(r"\w", re.UNICODE)


class TrivialFilter(AnchorFilter):
    """Drops anchors whose rejected answer or feedback is empty or has no letter or digit ("...", "👍")."""

    name: ClassVar[str] = "trivial"

    def filter(self, anchor: dict) -> bool | tuple[bool, str]:
        for field in ("rejected", "feedback"):
            text = field_text(anchor, field).strip()
            if not text:
                return False, f"empty_{field}"
            if not _ALNUM.search(text):
                return False, f"trivial_{field}"
        return True


class LengthFilter(AnchorFilter):
    """Character limits per field (0 disables a maximum); characters, not tokens: no tokenizer needed."""

    name: ClassVar[str] = "length"

    def __init__(
        self,
        min_rejected_chars: int = 2,
        min_feedback_chars: int = 2,
        max_prompt_chars: int = 32000,
        max_rejected_chars: int = 16000,
        max_feedback_chars: int = 8000,
    ) -> None:
        super().__init__()
        self.minimum = {"rejected": min_rejected_chars, "feedback": min_feedback_chars}
        self.maximum = {"prompt": max_prompt_chars, "rejected": max_rejected_chars, "feedback": max_feedback_chars}
        for where, limits in (("min", self.minimum), ("max", self.maximum)):
            for field, n in limits.items():
                if n < 0:
                    raise ValueError(f"{where}_{field}_chars is {n}: use 0 or more (0 turns the limit off)")

    def filter(self, anchor: dict) -> bool | tuple[bool, str]:
        for field in ("prompt", "rejected", "feedback"):
            n = len(field_text(anchor, field).strip())
            if n < self.minimum.get(field, 0):
                return False, f"{field}_too_short"
            if self.maximum[field] and n > self.maximum[field]:
                return False, f"{field}_too_long"
        return True

    def settings(self) -> dict:
        return {
            **{f"min_{k}_chars": v for k, v in self.minimum.items()},
            **{f"max_{k}_chars": v for k, v in self.maximum.items()},
        }


class LanguageFilter(AnchorFilter):
    """Keeps anchors whose `language` is in the allow-list ("und", undetermined, only if listed)."""

    name: ClassVar[str] = "language"

    def __init__(self, languages: tuple[str, ...] | list[str]) -> None:
        if not languages:
            raise ValueError("language filter needs at least one ISO 639-1 code, e.g. ('en',); add 'und' to keep undetermined")
        super().__init__()
        self.languages = tuple(sorted({code.strip().lower() for code in languages}))
        self.dropped_languages: Counter[str] = Counter()

    def filter(self, anchor: dict) -> bool | tuple[bool, str]:
        code = (anchor.get("language") or "und").lower()
        if code in self.languages:
            return True
        self.dropped_languages[code] += 1
        return False, "language_not_allowed"

    def settings(self) -> dict:
        return {"languages": list(self.languages), "dropped_languages": dict(self.dropped_languages.most_common())}


# A refusal, said near the start of the answer. English only: other languages are never dropped here.
REFUSAL_CUES: tuple[str, ...] = (
    r"\bI(?:'m| am) (?:sorry|afraid),? (?:but )?I (?:can(?:no|')t|cannot|won't|will not|am unable to|am not able to)\b",
    r"\bI (?:can(?:no|')t|cannot|won't|will not) (?:help|assist|provide|comply|fulfil|fulfill|support|create|write|generate|give|engage|do that|do this)\b",
    r"\bI(?:'m| am) (?:unable|not able) to (?:help|assist|provide|comply|fulfil|fulfill|create|write|generate)\b",
    r"\bAs an AI(?: language model)?, I (?:can(?:no|')t|cannot|am not able|am unable|do not|don't|won't)\b",
    r"\b(?:against|violates?) (?:my|the|OpenAI's) (?:guidelines|policies|policy|usage policies|ethical guidelines)\b",
    r"\bI must (?:respectfully )?(?:decline|refuse)\b",
)
# Requests no preference data should teach a model to fulfil: (category, cue). Each cue names an act
# and its object together, so that a topic alone ("a history of bombs") does not match.
HARM_CUES: tuple[tuple[str, str], ...] = (
    ("weapons", r"\b(?:make|build|assemble|construct|create|manufacture)\b.{0,30}\b(?:bombs?|explosives?|pipe bombs?|IEDs?|molotovs?|napalm|nerve agents?|bioweapons?|chemical weapons?|ghost guns?)\b"),
    ("violence", r"\b(?:kill|murder|poison|stab|shoot|strangle|torture)\b.{0,20}\b(?:him|her|them|someone|somebody|people|a person|a child|my (?:wife|husband|boss|neighbou?r|teacher|friend|family|mom|dad|mother|father|brother|sister|classmates?|coworkers?))\b"),
    ("violence", r"\b(?:get away with murder|dispose of (?:a|the) body|hide (?:a|the) body)\b"),
    ("self_harm", r"\b(?:kill myself|end my (?:own )?life|commit suicide|suicide methods?|painless (?:way|method) to die|hurt myself|cut myself)\b"),
    ("cybercrime", r"\b(?:hack|break) into (?:someone|somebody|my \w+'s|his|her|their|a|an|the)\b"),
    ("cybercrime", r"\b(?:write|create|make|build|code)\b.{0,20}\b(?:ransomware|keylogger|botnet|credential stealer|virus|malware|trojan|worm|phishing (?:e-?mail|page|site|kit))\b"),
    ("cybercrime", r"\bsteal (?:someone's |somebody's |their |his |her |a |an )?(?:passwords?|credentials|identity|credit cards?|bank details)\b"),
    ("drugs", r"\b(?:synthesi[sz]e|make|cook|produce|manufacture)\b.{0,20}\b(?:meth(?:amphetamine)?|heroin|fentanyl|cocaine|crack|LSD|MDMA)\b"),
    ("sexual_minors", r"\b(?:child|minor|underage|preteen)s?\b.{0,40}\b(?:sex|sexual|nude|naked|porn|erotic)\w*|\b(?:sex|sexual|nude|naked|porn|erotic)\w*\b.{0,40}\b(?:child|minor|underage|preteen)s?\b"),
    ("fraud", r"\b(?:fake|forge|counterfeit)\b.{0,20}\b(?:IDs?|passports?|documents?|money|bills|currency|prescriptions?|signatures?)\b|\blaunder(?:ing)? money\b"),
)
_REFUSAL = re.compile("|".join(REFUSAL_CUES), re.IGNORECASE)
_HARM = [(category, re.compile(cue, re.IGNORECASE)) for category, cue in HARM_CUES]
_REFUSAL_WINDOW = 400  # characters of the answer searched for a refusal: a refusal opens the answer


def refusal_cue(answer: str) -> str | None:
    """The refusal phrase near the start of the answer, or None."""
    m = _REFUSAL.search(answer[:_REFUSAL_WINDOW].replace("\u2019", "'"))
    return m.group(0) if m else None


def harm_category(text: str) -> str | None:
    """The first harm category whose cue matches the text, or None."""
    for category, cue in _HARM:
        if cue.search(text):
            return category
    return None


class HarmfulRefusalFilter(AnchorFilter):
    """Drops anchors where the rejected answer refused a harmful request.

    The user's complaint there is no preference signal: the refusal was right. Both conditions must
    hold (a refusal cue in the answer's first 400 chars AND a harm cue in the request or the
    feedback), which keeps precision high; unmatched phrasings pass through.
    """

    name: ClassVar[str] = "harmful_refusal"

    def __init__(self) -> None:
        super().__init__()
        self.by_category: Counter[str] = Counter()

    def filter(self, anchor: dict) -> bool | tuple[bool, str]:
        if refusal_cue(field_text(anchor, "rejected")) is None:
            return True
        category = harm_category(last_user_request(anchor) + "\n" + field_text(anchor, "feedback"))
        if category is None:
            return True
        self.by_category[category] += 1
        return False, "harmful_refusal"

    def settings(self) -> dict:
        return {"by_category": dict(self.by_category.most_common())}

"""Presidio recognisers for secrets and credentials, and the offline versions of Presidio's own.

Entity names are the placeholders the scrubber writes (`<EMAIL>`, `<API_KEY>`...), so they are short
and stable: they appear in published datasets and in stats.json.
"""

from __future__ import annotations

import math
import re
from collections import Counter

# Every entity type the scrubber can report, in the order the data card lists them.
PATTERN_ENTITIES: tuple[str, ...] = (
    "EMAIL",
    "PHONE",
    "CREDIT_CARD",
    "IBAN",
    "IP_ADDRESS",
    "CREDENTIAL_URL",
    "API_KEY",
    "PRIVATE_KEY",
    "SECRET",
)
NER_ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION")

# Known key formats: (name, regex). Scored 1.0: the prefix alone makes them near-certain.
API_KEY_PATTERNS: tuple[tuple[str, str], ...] = (
    ("openai_or_anthropic", r"\bsk-(?:proj-|svcacct-|admin-|ant-[a-z0-9]+-)?[A-Za-z0-9_\-]{20,}"),
    ("github_token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b"),
    ("github_fine_grained", r"\bgithub_pat_[A-Za-z0-9_]{30,}\b"),
    ("aws_access_key_id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("huggingface_token", r"\bhf_[A-Za-z0-9]{30,}\b"),
    ("slack_token", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    ("google_api_key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    ("stripe_key", r"\b[sr]k_(?:live|test)_[0-9A-Za-z]{16,}\b"),
    ("jwt", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
)
PRIVATE_KEY_PATTERN = r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
# scheme://user:password@host or scheme://token@host: userinfo in a URL is a login, a password or a token.
CREDENTIAL_URL_PATTERN = r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]+(?::[^\s@/]+)?@[^\s/?#@]+[^\s]*"
# A candidate generic secret: one unbroken run of base64-ish characters; the entropy test decides.
SECRET_CANDIDATE_PATTERN = r"(?<![A-Za-z0-9+/=_\-.])[A-Za-z0-9+/=]{24,}(?![A-Za-z0-9+/=_\-.])"

# A Capitalised or lowercase letter run: camelCase words of identifiers, rare in random strings.
# National formats are parsed for these regions; "+CC ..." numbers are found whatever the region.
PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN", "BR", "ES")
# Seven digits or more, possibly split by spaces, dots, dashes or brackets: the least any number has.
_PHONE_HINT = re.compile(r"(?:\d[\s().\-]{0,3}){7,}")
_WORD_SEGMENT = re.compile(r"[A-Z]?[a-z]+")
_VOWEL = re.compile(r"[aeiouy]", re.IGNORECASE)


def shannon_entropy(text: str) -> float:
    """Bits per character of the string's own character distribution."""
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values()) if n else 0.0


def looks_random(token: str) -> bool:
    """True for a machine-made secret, False for identifiers, words, hex hashes.

    Rules: at least 24 chars with upper, lower and digits (hex hashes, ids and words fail); entropy
    at least 0.75 * log2(len) (repetitive strings fail); under 35% of characters in word-like
    segments (4+ letters, capitalised or lowercase, with a vowel: camelCase identifiers fail).
    Measured: 96-98% of random base62/base64 tokens of 24-64 chars pass; none of 1,824 mixed
    letter-digit identifiers from the transformers, torch and sklearn sources do.
    """
    if len(token) < 24 or not (re.search(r"[A-Z]", token) and re.search(r"[a-z]", token) and re.search(r"\d", token)):
        return False
    if shannon_entropy(token) < 0.75 * math.log2(len(token)):
        return False
    wordlike = sum(len(seg) for seg in _WORD_SEGMENT.findall(token) if len(seg) >= 4 and _VOWEL.search(seg))
    return wordlike / len(token) < 0.35


def secret_recognizers(language: str = "en") -> list:
    """Recognisers for API keys, private keys, credential URLs and high-entropy tokens."""
    from presidio_analyzer import Pattern, PatternRecognizer

    class HighEntropyRecognizer(PatternRecognizer):
        # None keeps the pattern's 0.5 score, so a named key format (1.0) wins any overlap;
        # False discards the candidate.
        def validate_result(self, pattern_text: str) -> bool | None:
            return None if looks_random(pattern_text) else False

    return [
        PatternRecognizer(
            supported_entity="API_KEY",
            name="ApiKeyRecognizer",
            patterns=[Pattern(name, regex, 1.0) for name, regex in API_KEY_PATTERNS],
            supported_language=language,
        ),
        PatternRecognizer(
            supported_entity="PRIVATE_KEY",
            name="PrivateKeyRecognizer",
            patterns=[Pattern("pem_private_key", PRIVATE_KEY_PATTERN, 1.0)],
            supported_language=language,
        ),
        PatternRecognizer(
            supported_entity="CREDENTIAL_URL",
            name="CredentialUrlRecognizer",
            patterns=[Pattern("url_with_password", CREDENTIAL_URL_PATTERN, 1.0)],
            supported_language=language,
        ),
        # Scored below the named formats so a known key wins an overlap; validation drops non-random hits.
        HighEntropyRecognizer(
            supported_entity="SECRET",
            name="HighEntropySecretRecognizer",
            patterns=[Pattern("high_entropy_token", SECRET_CANDIDATE_PATTERN, 0.5)],
            supported_language=language,
        ),
    ]


def personal_data_recognizers(language: str = "en") -> list:
    """Presidio's pattern recognisers for contact and payment data, renamed to our entity types.

    The e-mail check uses tldextract with its bundled suffix list only: Presidio's default would try
    to download the list, which hangs on a machine without internet.
    """
    import tldextract
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
    )

    offline_tld = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class QuickPhoneRecognizer(PhoneRecognizer):
        # phonenumbers scans the whole text once per region; most texts have no 7-digit run at all.
        def analyze(self, text, entities, nlp_artifacts=None, **kwargs):
            if not _PHONE_HINT.search(text):
                return []
            return super().analyze(text, entities, nlp_artifacts, **kwargs)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return offline_tld(pattern_text.rsplit("@", 1)[-1]).fqdn != ""

    return [
        OfflineEmailRecognizer(supported_entity="EMAIL", supported_language=language),
        QuickPhoneRecognizer(supported_entity="PHONE", supported_language=language, supported_regions=PHONE_REGIONS),
        CreditCardRecognizer(supported_entity="CREDIT_CARD", supported_language=language),
        IbanRecognizer(supported_entity="IBAN", supported_language=language),
        IpRecognizer(supported_entity="IP_ADDRESS", supported_language=language),
    ]

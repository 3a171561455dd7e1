from __future__ import annotations

import pytest

from dsatkit.filters.config import AnchorFilterConfig, build_anchor_filters


def names(config: AnchorFilterConfig) -> list[str]:
    return [f.name for f in build_anchor_filters(config)]


def test_default_chain_runs_cheap_filters_first_and_pii_last():
    assert names(AnchorFilterConfig(pii_ner_model="none")) == [
        "trivial", "length", "harmful_refusal", "exact_dedup", "near_dedup", "pii",
    ]


@pytest.mark.parametrize(
    ("options", "present", "absent"),
    [
        ({"languages": ("en", "fr")}, "language", None),
        ({"pii": "off"}, None, "pii"),
        ({"near_dup_threshold": 0.0}, None, "near_dedup"),
        ({"exact_dedup": False}, None, "exact_dedup"),
        ({"drop_harmful_refusals": False}, None, "harmful_refusal"),
    ],
)
def test_options_add_or_remove_filters(options, present, absent):
    chain = names(AnchorFilterConfig(pii_ner_model="none", **options))
    assert present is None or present in chain
    assert absent is None or absent not in chain


def test_languages_accept_a_comma_separated_string():
    assert AnchorFilterConfig(languages="en, FR").languages == ("en", "fr")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pii": "mask"}, "pii is 'mask': use one of redact, drop, off"),
        ({"near_dup_threshold": 1.0}, "near_dup_threshold is 1.0"),
        ({"pii_score_threshold": 2.0}, "pii_score_threshold is 2.0"),
        ({"max_prompt_chars": -5}, "max_prompt_chars is -5: use 0 or more"),
    ],
)
def test_bad_options_say_what_and_how_to_fix(options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AnchorFilterConfig(**options)


def test_help_text_on_every_field():
    from dataclasses import fields

    assert all(f.metadata.get("help") for f in fields(AnchorFilterConfig))

"""The options of the anchor filter chain, and the one function that builds the chain from them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dsatkit.filters.base import AnchorFilter
from dsatkit.filters.pii import PII_MODES


@dataclass
class AnchorFilterConfig:
    pii: str = field(default="redact", metadata={"help": "PII and secrets: redact (typed placeholders), drop the anchor, or off."})
    pii_ner_model: str = field(
        default="auto",
        metadata={"help": "spaCy NER model for PERSON/LOCATION: 'auto' (first installed en_core_web_*), a name or path, or 'none'."},
    )
    pii_score_threshold: float = field(default=0.4, metadata={"help": "Presidio score a finding needs to count (0-1)."})
    exact_dedup: bool = field(default=True, metadata={"help": "Drop anchors whose normalised prompt+rejected+feedback repeats."})
    near_dup_threshold: float = field(
        default=0.85, metadata={"help": "MinHash Jaccard at or above which an anchor is a near duplicate; 0 turns near-dedup off."}
    )
    min_rejected_chars: int = field(default=2, metadata={"help": "Drop anchors whose rejected answer is shorter."})
    min_feedback_chars: int = field(default=2, metadata={"help": "Drop anchors whose feedback turn is shorter."})
    max_prompt_chars: int = field(default=32000, metadata={"help": "Drop anchors whose prompt is longer (0: no limit)."})
    max_rejected_chars: int = field(default=16000, metadata={"help": "Drop anchors whose rejected answer is longer (0: no limit)."})
    max_feedback_chars: int = field(default=8000, metadata={"help": "Drop anchors whose feedback is longer (0: no limit)."})
    languages: tuple[str, ...] = field(
        default=(), metadata={"help": "Keep only these ISO 639-1 languages (add 'und' for undetermined); empty keeps all."}
    )
    drop_harmful_refusals: bool = field(
        default=True, metadata={"help": "Drop anchors whose rejected answer refused a harmful request."}
    )

    def __post_init__(self) -> None:
        if self.pii not in PII_MODES:
            raise ValueError(f"pii is '{self.pii}': use one of {', '.join(PII_MODES)}")
        if not 0.0 <= self.pii_score_threshold <= 1.0:
            raise ValueError(f"pii_score_threshold is {self.pii_score_threshold}: use a score in [0, 1], e.g. 0.4")
        if not 0.0 <= self.near_dup_threshold < 1.0:
            raise ValueError(f"near_dup_threshold is {self.near_dup_threshold}: use a Jaccard in (0, 1), e.g. 0.85, or 0 for off")
        for name in ("min_rejected_chars", "min_feedback_chars", "max_prompt_chars", "max_rejected_chars", "max_feedback_chars"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} is {getattr(self, name)}: use 0 or more")
        if isinstance(self.languages, str):
            self.languages = tuple(code for code in self.languages.split(",") if code.strip())
        self.languages = tuple(code.strip().lower() for code in self.languages)

    def to_dict(self) -> dict:
        return asdict(self)


def build_anchor_filters(config: AnchorFilterConfig | None = None) -> list[AnchorFilter]:
    """The filter chain, cheapest first; PII last so Presidio never sees an anchor that is dropped anyway."""
    from dsatkit.filters.dedup import ExactDedup, NearDedup
    from dsatkit.filters.pii import PiiScrubber
    from dsatkit.filters.quality import HarmfulRefusalFilter, LanguageFilter, LengthFilter, TrivialFilter

    config = config or AnchorFilterConfig()
    filters: list[AnchorFilter] = [
        TrivialFilter(),
        LengthFilter(
            min_rejected_chars=config.min_rejected_chars,
            min_feedback_chars=config.min_feedback_chars,
            max_prompt_chars=config.max_prompt_chars,
            max_rejected_chars=config.max_rejected_chars,
            max_feedback_chars=config.max_feedback_chars,
        ),
    ]
    if config.languages:
        filters.append(LanguageFilter(config.languages))
    if config.drop_harmful_refusals:
        filters.append(HarmfulRefusalFilter())
    if config.exact_dedup:
        filters.append(ExactDedup())
    if config.near_dup_threshold > 0:
        filters.append(NearDedup(threshold=config.near_dup_threshold))
    if config.pii != "off":
        filters.append(PiiScrubber(mode=config.pii, ner_model=config.pii_ner_model, score_threshold=config.pii_score_threshold))
    return filters

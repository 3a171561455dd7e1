"""PII and secrets scrubbing of anchors with Microsoft Presidio.

Pattern recognisers (e-mail, phone, card, IBAN, IP, credential URLs, API keys, high-entropy secrets)
need no language model: without one the engine runs Presidio's no-op NLP engine (nothing downloaded,
nothing tokenised).
Person names and locations need NER: they are added only when a spaCy NER model is installed
(`python -m spacy download en_core_web_sm`), or given as a name or a path.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import ClassVar

from dsatkit.filters.anchor_text import iter_text_slots
from dsatkit.filters.base import AnchorFilter
from dsatkit.filters.pii_recognizers import NER_ENTITIES, PATTERN_ENTITIES

PII_MODES: tuple[str, ...] = ("redact", "drop", "off")
# Tried in this order when ner_model is "auto".
NER_MODEL_CANDIDATES: tuple[str, ...] = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm")
# Without NER, a text with no digit, no '@', no PEM header and no 20+ char token cannot match any
# recogniser; skipping it is the main speed-up on chat text.
_MAY_HOLD_PATTERN_PII = re.compile(r"[@\d]|-----BEGIN|[A-Za-z0-9_\-+/=]{20,}")
_LANGUAGE = "en"  # pattern recognisers ignore language; NER uses the English model on every text


class PiiConfigError(ValueError):
    """A PII option names something that is not there (an NER model that is not installed)."""


def resolve_ner_model(ner_model: str | None) -> str | None:
    """"auto" -> the first installed candidate or None; "none"/None -> None; a name/path must exist."""
    if ner_model is None or ner_model.lower() in ("none", "off", ""):
        return None
    if ner_model == "auto":
        return next((m for m in NER_MODEL_CANDIDATES if importlib.util.find_spec(m) is not None), None)
    import spacy

    if spacy.util.is_package(ner_model) or importlib.util.find_spec(ner_model) is not None:
        return ner_model
    from pathlib import Path

    if Path(ner_model).is_dir():
        return ner_model
    raise PiiConfigError(
        f"spaCy NER model '{ner_model}' is not installed: run `python -m spacy download {ner_model}`, "
        "or use ner_model='auto' (NER when a model is installed) or 'none' (patterns only)"
    )


@dataclass(frozen=True)
class PiiHit:
    entity: str
    start: int
    end: int
    score: float


class PiiDetector:
    """One Presidio analyzer + anonymizer, built once per (NER model, threshold) and shared."""

    def __init__(self, ner_model: str | None = "auto", score_threshold: float = 0.4, min_chars: int = 6) -> None:
        self.ner_model = resolve_ner_model(ner_model)
        self.score_threshold = score_threshold
        self.min_chars = min_chars
        self.entities = PATTERN_ENTITIES + (NER_ENTITIES if self.ner_model else ())
        self._analyzer, self._anonymizer = _engines(self.ner_model)

    def find(self, text: str, entities: tuple[str, ...] | None = None) -> list[PiiHit]:
        """Findings in one text; `entities` narrows the types looked for (default: all of them)."""
        if len(text) < self.min_chars:
            return []
        wanted = [e for e in (entities or self.entities) if e in self.entities]
        if not any(e in NER_ENTITIES for e in wanted) and not _MAY_HOLD_PATTERN_PII.search(text):
            return []
        results = self._analyzer.analyze(
            text=text, language=_LANGUAGE, entities=wanted, score_threshold=self.score_threshold
        )
        return [PiiHit(r.entity_type, r.start, r.end, r.score) for r in results]

    def redact(self, text: str, hits: list[PiiHit]) -> tuple[str, list[str]]:
        """Replace each hit by `<ENTITY>`; overlaps resolved by Presidio. Returns (text, entities kept)."""
        from presidio_analyzer import RecognizerResult

        results = [RecognizerResult(h.entity, h.start, h.end, h.score) for h in hits]
        out = self._anonymizer.anonymize(text=text, analyzer_results=results)
        return out.text, [item.entity_type for item in out.items]


def _import_presidio() -> None:
    """Import Presidio without letting it import transformers (and torch) for NER engines we never use.

    Its transformers engine is optional and guarded by `except ImportError`; hiding the module while
    Presidio imports cuts the first import from ~9 s to ~3.5 s. A transformers import already done
    elsewhere in the process is left alone, and later imports of transformers work as usual.
    """
    import sys

    if "presidio_analyzer" in sys.modules or "transformers" in sys.modules:
        return
    sys.modules["transformers"] = None  # type: ignore[assignment]  # makes `import transformers` raise ImportError
    try:
        import presidio_analyzer  # noqa: F401
        import presidio_anonymizer  # noqa: F401
    finally:
        del sys.modules["transformers"]


@functools.lru_cache(maxsize=4)
def _engines(ner_model: str | None):
    """Build (AnalyzerEngine, AnonymizerEngine) once per NER model: construction takes seconds."""
    _import_presidio()
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, NoOpNlpEngine, SpacyNlpEngine
    from presidio_anonymizer import AnonymizerEngine

    from dsatkit.filters.pii_recognizers import personal_data_recognizers, secret_recognizers

    # Only people and places count as personal data here; dates, organisations and nationalities
    # are everywhere in chat text and scrubbing them would gut the dataset.
    ner_config = NerModelConfiguration(
        labels_to_ignore=["DATE", "TIME", "ORG", "NORP", "CARDINAL", "ORDINAL", "MONEY", "PERCENT",
                          "QUANTITY", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "FAC", "MISC"],
    )

    if ner_model:
        class LocalSpacyNlpEngine(SpacyNlpEngine):
            # Presidio's own load() downloads a missing model; ours never touches the network.
            def load(self) -> None:
                import spacy

                self.nlp = {_LANGUAGE: spacy.load(ner_model)}

        nlp_engine = LocalSpacyNlpEngine(
            models=[{"lang_code": _LANGUAGE, "model_name": ner_model}], ner_model_configuration=ner_config
        )
    else:
        # No NER: pattern recognisers need no tokens, and tokenising was half the scan time.
        nlp_engine = NoOpNlpEngine(models=[{"lang_code": _LANGUAGE, "model_name": "none"}])
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=[_LANGUAGE])
    for recognizer in personal_data_recognizers(_LANGUAGE) + secret_recognizers(_LANGUAGE):
        registry.add_recognizer(recognizer)
    if ner_model:
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        registry.add_recognizer(
            SpacyRecognizer(supported_language=_LANGUAGE, supported_entities=list(NER_ENTITIES))
        )
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=[_LANGUAGE])
    return analyzer, AnonymizerEngine()


_RECENT_TEXTS = 2_048


class PiiScrubber(AnchorFilter):
    """Finds PII and secrets in every message of prompt, rejected, feedback and chosen.

    mode "redact" replaces each finding by a typed placeholder (`<EMAIL>`) and keeps the anchor;
    "drop" drops any anchor with a finding (reason "pii"); "off" keeps everything untouched.
    """

    name: ClassVar[str] = "pii"
    requires = (("presidio_analyzer", "pii"), ("presidio_anonymizer", "pii"), ("spacy", "pii"))

    def __init__(
        self, mode: str = "redact", ner_model: str | None = "auto", score_threshold: float = 0.4, min_chars: int = 6
    ) -> None:
        if mode not in PII_MODES:
            raise ValueError(f"pii mode is '{mode}': use one of {', '.join(PII_MODES)}")
        super().__init__()
        self.mode = mode
        self.detector = PiiDetector(ner_model, score_threshold, min_chars) if mode != "off" else None
        self.entities: Counter[str] = Counter()
        self.anchors_with_pii = 0
        self.texts_scanned = 0
        # Anchors of one conversation share their earlier messages: scan each text once.
        self._recent: OrderedDict[str, list] = OrderedDict()

    def _find(self, text: str) -> list:
        hits = self._recent.get(text)
        if hits is None:
            hits = self.detector.find(text)
            self._recent[text] = hits
            if len(self._recent) > _RECENT_TEXTS:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(text)
        return hits

    def filter(self, anchor: dict) -> bool | tuple[bool, str]:
        if self.detector is None:
            return True
        found = False
        for _field, message in iter_text_slots(anchor):
            self.texts_scanned += 1
            hits = self._find(message["content"])
            if not hits:
                continue
            found = True
            if self.mode == "redact":
                message["content"], kept = self.detector.redact(message["content"], hits)
                self.entities.update(kept)
            else:
                self.entities.update(h.entity for h in hits)
        if found:
            self.anchors_with_pii += 1
            if self.mode == "drop":
                return False, "pii"
        return True

    def settings(self) -> dict:
        d = self.detector
        return {
            "mode": self.mode,
            "ner_model": d.ner_model if d else None,
            "entity_types": list(d.entities) if d else [],
            "score_threshold": d.score_threshold if d else None,
            "presidio_version": _version("presidio-analyzer"),
            "entities": dict(sorted(self.entities.items())),
            "anchors_with_pii": self.anchors_with_pii,
            "texts_scanned": self.texts_scanned,
            "anchors_per_s": round(self.total / self.seconds, 1) if self.seconds else None,
        }


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None

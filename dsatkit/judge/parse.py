"""Read the judge's answer leniently: models wrap JSON in fences and prose, use single quotes, leave
trailing commas and invent label synonyms. What cannot be read raises `JudgeParseError` with a reason."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

from dsatkit.records import LABELS

# Used when the model gives a label but no readable confidence.
DEFAULT_CONFIDENCE = 0.5

# Words models use for our labels (SPUR / WildFeedback rubric names included), after normalise_label.
LABEL_SYNONYMS: dict[str, str] = {
    **{label: label for label in LABELS},
    "rephrasing": "rephrase", "rephrased": "rephrase", "repeat": "rephrase", "repetition": "rephrase",
    "repeated request": "rephrase", "reask": "rephrase", "re ask": "rephrase", "reformulation": "rephrase",
    "corrections": "correction", "correct": "correction", "corrective": "correction", "fix": "correction",
    "factual error": "correction", "error correction": "correction",
    "complain": "complaint", "complaints": "complaint", "negative": "complaint", "negative feedback": "complaint",
    "dissatisfied": "complaint", "dissatisfaction": "complaint", "frustration": "complaint", "ignored": "complaint",
    "revise": "revision", "revisions": "revision", "modification": "revision", "request for modification": "revision",
    "redo": "revision", "rewrite": "revision", "style": "revision", "insufficient detail": "revision",
    "clarify": "clarification", "clarifying question": "clarification", "question": "clarification",
    "positive feedback": "positive", "sat": "positive", "satisfied": "positive", "satisfaction": "positive",
    "gratitude": "positive", "praise": "positive", "thanks": "positive", "acknowledgment": "positive",
    "acknowledgement": "positive",
    "none": "neutral", "other": "neutral", "no feedback": "neutral", "new request": "neutral",
    "follow up": "neutral", "followup": "neutral", "topic change": "neutral", "topic switch": "neutral",
}
_FILLER_WORDS = frozenset({"dsat", "sat", "label", "category", "the", "is"})
LABEL_KEYS = ("label", "category", "class", "classification", "type")
CONFIDENCE_KEYS = ("confidence", "score", "probability", "certainty")
EVIDENCE_KEYS = ("evidence", "quote", "span")

_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


class JudgeParseError(ValueError):
    """The judge's answer holds no usable judgement. `reason` is a short key for stats."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"unparseable judge output ({reason}): {detail}")
        self.reason = reason


@dataclass(slots=True, frozen=True)
class Judgement:
    label: str
    confidence: float
    evidence: str


def normalise_label(raw: str) -> str:
    text = re.sub(r"[^a-z ]+", " ", raw.lower().replace("-", " ").replace("_", " "))
    return " ".join(text.split())


def canonical_label(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise JudgeParseError("missing_label", f"label is {raw!r}; expected one of {', '.join(LABELS)}")
    key = normalise_label(raw)
    # "complaint (DSAT)", "label: revision": drop the words that only say what kind of thing it is.
    core = " ".join(w for w in key.split() if w not in _FILLER_WORDS)
    label = LABEL_SYNONYMS.get(key) or LABEL_SYNONYMS.get(core)
    if label is None:
        raise JudgeParseError("unknown_label", f"label {raw!r} is not one of {', '.join(LABELS)}")
    return label


def read_confidence(raw: object) -> float:
    """Numbers, numeric strings and percentages; 1-10 and 0-100 scales are rescaled; clamped to [0, 1]."""
    if isinstance(raw, bool) or raw is None:
        return DEFAULT_CONFIDENCE
    value: float
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        percent = text.endswith("%")
        try:
            value = float(text.rstrip("%").strip())
        except ValueError:
            return DEFAULT_CONFIDENCE
        if percent:
            value /= 100.0
    else:
        return DEFAULT_CONFIDENCE
    if value != value:  # NaN
        return DEFAULT_CONFIDENCE
    # Models drift to the scales they know: 1-10 (SPUR's scores) and percentages.
    if 1.0 < value <= 10.0:
        value /= 10.0
    elif 10.0 < value <= 100.0:
        value /= 100.0
    return min(max(value, 0.0), 1.0)


def _objects(text: str, limit: int = 20):
    """Balanced {...} spans of text, by start position, skipping braces inside quoted strings.

    Every "{" is tried as a start, so a stray "{is}" in prose or an apostrophe that opens a fake
    string does not hide the real object after it.
    """
    start = text.find("{")
    while start != -1 and limit > 0:
        limit -= 1
        depth, quote, escaped = 0, "", False
        for i in range(start, len(text)):
            ch = text[i]
            if quote:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    yield text[start : i + 1]
                    break
        start = text.find("{", start + 1)


def _outside_strings(text: str, fix) -> str:
    """Apply `fix` to the stretches of `text` that are not inside quoted strings."""
    out, buf, quote, escaped = [], [], "", False
    for ch in text:
        if quote:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            out.append(fix("".join(buf)))
            buf = []
            out.append(ch)
            quote = ch
        else:
            buf.append(ch)
    out.append(fix("".join(buf)))
    return "".join(out)


def _drop_trailing_commas(chunk: str) -> str:
    return re.sub(r",(\s*[}\]])", r"\1", chunk)


def _python_literals(chunk: str) -> str:
    chunk = re.sub(r"\btrue\b", "True", chunk)
    chunk = re.sub(r"\bfalse\b", "False", chunk)
    return re.sub(r"\bnull\b", "None", chunk)


def _load_object(candidate: str) -> dict | None:
    attempts = (
        lambda s: json.loads(s),
        lambda s: json.loads(_outside_strings(s, _drop_trailing_commas)),
        # Python-style dicts: single quotes, trailing commas, true/false/null.
        lambda s: ast.literal_eval(_outside_strings(s, _python_literals)),
    )
    for attempt in attempts:
        try:
            value = attempt(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    return None


_TRUNCATED_LABEL = re.compile(r"""["']?label["']?\s*:\s*["']([^"'\n]{1,40})["']""", re.IGNORECASE)
_TRUNCATED_CONFIDENCE = re.compile(r"""["']?confidence["']?\s*:\s*["']?(-?[0-9.]+%?)""", re.IGNORECASE)


def _salvage_truncated(body: str) -> Judgement | None:
    match = _TRUNCATED_LABEL.search(body)
    if match is None:
        return None
    label = canonical_label(match.group(1))
    confidence = _TRUNCATED_CONFIDENCE.search(body)
    return Judgement(label, read_confidence(confidence.group(1)) if confidence else DEFAULT_CONFIDENCE, "")


def _pick(obj: dict, keys: tuple[str, ...]) -> object:
    lowered = {str(k).strip().lower(): v for k, v in obj.items()}
    for key in keys:
        if key in lowered:
            return lowered[key]
    return None


def parse_judgement(text: str | None) -> Judgement:
    """Read one judge answer into a Judgement, or raise JudgeParseError.

    Reasons: "empty" (no text), "no_json" (no {...} and not a bare label), "bad_json" (an object that no
    repair reads), "truncated" (an object cut off before its label), "missing_label", "unknown_label".
    """
    if text is None or not text.strip():
        raise JudgeParseError("empty", "the judge returned no text")
    body = _THINK.sub("", text).strip()
    fenced = _FENCE.findall(body)
    candidates = [c for c in (*fenced, body) if c.strip()]
    found_object = False
    for snippet in (snippet for candidate in candidates for snippet in _objects(candidate)):
        found_object = True
        obj = _load_object(snippet)
        if obj is None:
            continue
        label = canonical_label(_pick(obj, LABEL_KEYS))
        evidence = _pick(obj, EVIDENCE_KEYS)
        return Judgement(
            label=label,
            confidence=read_confidence(_pick(obj, CONFIDENCE_KEYS)),
            evidence=evidence.strip() if isinstance(evidence, str) else "",
        )
    if not found_object and "{" in body:
        # No closing brace: the answer was cut off (max tokens), usually inside a rambling evidence.
        salvaged = _salvage_truncated(body)
        if salvaged is not None:
            return salvaged
        preview = text.strip().replace("\n", " ")[-120:]
        raise JudgeParseError(
            "truncated", f"the object never closes (cut off by --judge-max-tokens?): ...{preview!r}"
        )
    # Small models sometimes answer with the bare label, possibly quoted or with a full stop.
    bare = body.strip().strip("\"'`.").strip()
    if not found_object and len(bare) <= 40:
        try:
            return Judgement(label=canonical_label(bare), confidence=DEFAULT_CONFIDENCE, evidence="")
        except JudgeParseError:
            pass
    preview = text.strip().replace("\n", " ")[:120]
    if found_object:
        raise JudgeParseError("bad_json", f"found an object but could not read it as JSON: {preview!r}")
    raise JudgeParseError("no_json", f"no JSON object in the answer: {preview!r}")

"""Recall of the PII scrubber per entity type on a planted corpus, and its speed in anchors/s.

Recall: the planted-PII corpus of tests/dsatkit/filters/pii_corpus.py (hand-written cases plus N random
values per type: Luhn-valid cards, IBANs with correct check digits, real phone ranges, random keys).
A value counts as found when it is gone from the redacted text; "typed" is the share that also got
its own placeholder (a key inside a credential URL is removed as <CREDENTIAL_URL>, for instance).
Look-alikes (versions, hashes, ids, identifiers) that were flagged are printed as false positives.

Speed: PiiScrubber (redact mode) over anchors made from real chat text when ../shared/data/lmsys-chat-1000
exists (each assistant answer and the next user turn, with the conversation before as prompt), else
over synthetic anchors. Also how many findings that real text produced, per type, for eyeballing.

    python benchmarks/pii_recall.py [--n 200] [--ner-model none|auto|NAME] [--anchors 2000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
LMSYS = REPO.parent / "shared" / "data" / "lmsys-chat-1000" / "lmsys_1000.jsonl"
sys.path.insert(0, str(REPO / "tests" / "dsatkit" / "filters"))

from pii_corpus import NEGATIVES, PLANTED, generate  # noqa: E402


def recall_table(detector, n: int, seed: int) -> None:
    found, typed, total = Counter(), Counter(), Counter()
    for entity, text, planted in PLANTED + generate(n, seed):
        total[entity] += 1
        redacted, _ = detector.redact(text, detector.find(text))
        if planted not in redacted:
            found[entity] += 1
            typed[entity] += f"<{entity}>" in redacted
    print(f"{'entity':<16}{'cases':>7}{'recall':>9}{'typed':>9}")
    for entity in sorted(total):
        print(f"{entity:<16}{total[entity]:>7}{found[entity] / total[entity]:>9.3f}{typed[entity] / total[entity]:>9.3f}")
    all_found, all_total = sum(found.values()), sum(total.values())
    print(f"{'all':<16}{all_total:>7}{all_found / all_total:>9.3f}")
    flagged = [(t, [h.entity for h in detector.find(t)]) for t in NEGATIVES]
    flagged = [(t, e) for t, e in flagged if e]
    print(f"false positives on {len(NEGATIVES)} look-alikes: {len(flagged)}")
    for text, entities in flagged:
        print(f"  {entities}: {text}")


def lmsys_anchors(limit: int) -> list[dict]:
    anchors = []
    for line in LMSYS.read_bytes().splitlines():
        row = orjson.loads(line)
        messages = [{"role": m["role"], "content": m["content"]} for m in row.get("conversation", [])]
        for i in range(1, len(messages) - 1):
            if messages[i]["role"] == "assistant" and messages[i + 1]["role"] == "user":
                anchors.append({"prompt": messages[:i], "rejected": [messages[i]], "feedback": messages[i + 1], "chosen": None})
    return anchors[:limit]


def synthetic_anchors(limit: int) -> list[dict]:
    sentence = "The function reads the input file and returns two columns before it writes anything. "
    return [
        {"prompt": [{"role": "user", "content": f"Question {i}: why does my script fail on line {i}?"}],
         "rejected": [{"role": "assistant", "content": sentence * 8}],
         "feedback": {"role": "user", "content": "That is not what I asked, it still fails."}, "chosen": None}
        for i in range(limit)
    ]


def speed(ner_model: str, limit: int) -> None:
    from dsatkit.filters.pii import PiiScrubber

    start = time.perf_counter()
    scrubber = PiiScrubber(mode="redact", ner_model=ner_model)
    built = time.perf_counter() - start
    source = "lmsys-chat-1000" if LMSYS.exists() else "synthetic"
    anchors = lmsys_anchors(limit) if LMSYS.exists() else synthetic_anchors(limit)
    chars = sum(len(m["content"]) for a in anchors for m in [*a["prompt"], *a["rejected"], a["feedback"]])
    start = time.perf_counter()
    for a in anchors:
        scrubber(a)
    seconds = time.perf_counter() - start
    stats = scrubber.stats()
    print(f"\nspeed ({source}, NER model: {stats['ner_model']}): engine built in {built:.1f}s; "
          f"{len(anchors)} anchors, {chars / max(len(anchors), 1):,.0f} chars each on average, {seconds:.1f}s "
          f"-> {len(anchors) / seconds:,.0f} anchors/s, {chars / seconds / 1e6:.2f} M chars/s")
    print(f"findings in that text: {stats['entities'] or 'none'} ({stats['anchors_with_pii']} anchors with any)")

    from dsatkit.filters import AnchorFilterConfig, build_anchor_filters, run_filters

    anchors = lmsys_anchors(limit) if LMSYS.exists() else synthetic_anchors(limit)
    chain = build_anchor_filters(AnchorFilterConfig(pii_ner_model=ner_model))
    start = time.perf_counter()
    kept = sum(by is None for _, by, _ in run_filters(chain, anchors))
    seconds = time.perf_counter() - start
    print(f"default filter chain: {len(anchors) / seconds:,.0f} anchors/s, {kept}/{len(anchors)} kept; per filter: "
          + ", ".join(f"{f.name} {f.seconds:.2f}s" for f in chain))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="random cases per entity type")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ner-model", default="auto", help="spaCy NER model: auto, none, a name or path")
    parser.add_argument("--anchors", type=int, default=2000, help="anchors for the speed run")
    args = parser.parse_args()
    from dsatkit.filters.pii import PiiDetector

    detector = PiiDetector(ner_model=args.ner_model)
    print(f"PII recall (NER model: {detector.ner_model}; {len(PLANTED)} hand-written + {args.n} random cases per type)")
    recall_table(detector, args.n, args.seed)
    speed(args.ner_model, args.anchors)


if __name__ == "__main__":
    main()

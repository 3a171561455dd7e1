"""Speed of the heuristic detectors, and compiled regexes against spaCy's PhraseMatcher for cues.

Builds a synthetic turn table (LLM-chat shaped: short and long requests, ~600-character answers, one
follow-up in five reacting with a cue in one of the 7 covered languages, some cut-off answers and
refusals) and prints, as turns per second:
  - orjson: parsing the same conversations serialised as JSONL (the floor any reader pays);
  - each default heuristic detector, and all of them together;
  - the candidate-finding step of the cue detector two ways, on the same literal cue phrases:
      regex  - polars `str.contains_any` (Aho-Corasick in Rust) over the lowercased turn heads;
      spacy  - spacy.blank("xx") tokenizer + PhraseMatcher(attr="LOWER"), one Doc per turn head.

Choice: compiled regexes. On the same phrases the regex pass runs one to two orders of magnitude
faster than tokenising every turn with spaCy (which the PhraseMatcher needs), it matches inside
Chinese text that spaCy's multi-language tokenizer does not split into words, and it keeps
spaCy out of the default install (it is only in the `pii` extra). The phrase-level agreement of the
two matchers is printed too: they differ only where a cue is not a whole token sequence (a stem
like "invad", CJK inside a longer run of characters).

    python benchmarks/heuristics_speed.py              # 100,000 conversations
    python benchmarks/heuristics_speed.py --n 20000 --repeat 5

Timings are printed, never asserted; the machine's load shows in them, so compare figures of one run.
"""

from __future__ import annotations

import argparse
import random
import time

import orjson
import polars as pl

from dsatkit.detect.base import combine
from dsatkit.detect.heuristics import HEAD_CHARS, compile_cues, default_heuristics
from dsatkit.records import Conversation, Message
from dsatkit.turns import turns_table

_TOPICS = ["a sorted list", "the config file", "a REST API", "the sales report", "a cover letter", "unit tests",
           "a SQL join", "the French revolution", "a birthday poem", "memory leaks", "a marketing email"]
_ASKS = ["How do I write {t} in Python?", "Explain {t} to a beginner.", "Write {t} in 50 words.",
         "What is the best way to handle {t}?", "Give me three tips about {t}, as a table.",
         "Summarise this text about {t}: " + "The committee discussed budgets and plans at length. " * 12]
_FOLLOW = ["And what about {t}?", "Now do the same for {t}.", "Can you add an example with {t}?", "ok"]
_CUES = ["That's wrong.", "No, I meant {t}.", "Make it shorter.", "What do you mean?", "Thanks, that worked!",
         "你错了", "不对，应该是{t}", "Это неправильно.", "Спасибо!", "Eso está mal.", "¿Qué quieres decir?",
         "C'est faux.", "Merci !", "Das ist falsch.", "Kürzer bitte.", "Isso está errado.", "Obrigado!"]
_ANSWER = "Here is a careful answer about {t}. " + "It covers the main points step by step and gives advice. " * 10


def synthetic_conversations(n: int, seed: int = 0) -> list[Conversation]:
    rng = random.Random(seed)
    convs = []
    for i in range(n):
        topic = rng.choice(_TOPICS)
        msgs = [Message("user", rng.choice(_ASKS).format(t=topic))]
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
            r = rng.random()
            answer = _ANSWER.format(t=topic)
            if r < 0.05:
                answer = answer[: rng.randrange(200, len(answer))].rstrip(" .")  # cut off mid-sentence
            elif r < 0.08:
                answer = "I'm sorry, but I can't help with that."
            msgs.append(Message("assistant", answer))
            follow = rng.choice(_CUES) if rng.random() < 0.2 else rng.choice(_FOLLOW)
            if r < 0.05 and rng.random() < 0.5:
                follow = "continue"
            msgs.append(Message("user", follow.format(t=rng.choice(_TOPICS))))
        msgs.append(Message("assistant", _ANSWER.format(t=topic)))
        convs.append(Conversation(f"c{i}", msgs, "synthetic", i + 1))
    return convs


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def spacy_candidates(heads: list[str], phrases: list[str]) -> list[bool] | None:
    try:
        import spacy
        from spacy.matcher import PhraseMatcher
    except ImportError:
        return None
    nlp = spacy.blank("xx")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("CUE", list(nlp.tokenizer.pipe(phrases)))
    return [bool(matcher(doc)) for doc in nlp.tokenizer.pipe(heads, batch_size=1000)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="conversations to synthesise (default 100,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept (default 3)")
    args = parser.parse_args()

    convs = synthetic_conversations(args.n)
    lines = [orjson.dumps({"messages": [{"role": m.role, "content": m.content} for m in c.messages]}) for c in convs]
    turns = turns_table(convs)
    n = turns.height
    megabytes = sum(map(len, lines)) / 1e6
    print(f"{args.n:,} conversations, {n:,} user turns, {megabytes:.1f} MB of JSONL")

    rows = []
    parse = best_of(args.repeat, lambda: [orjson.loads(line) for line in lines])
    rows.append(("orjson parse of the log", parse))
    detectors = default_heuristics()
    total = 0.0
    for d in detectors:
        seconds = best_of(args.repeat, lambda d=d: d(turns))
        total += seconds
        rows.append((f"detector {d.name}", seconds))
    rows.append(("all heuristics (sum)", total))
    rows.append(("all heuristics + combine", best_of(args.repeat, lambda: combine(turns, {d.name: d(turns) for d in detectors}))))

    phrases = compile_cues().literals
    heads = turns.filter(pl.col("turn") >= 1)["text"].str.slice(0, HEAD_CHARS)
    low = heads.str.to_lowercase()
    rows.append(("candidates: regex (polars contains_any)", best_of(args.repeat, lambda: low.str.contains_any(phrases))))
    head_list = heads.to_list()
    start = time.perf_counter()
    spacy_hits = spacy_candidates(head_list, phrases)
    spacy_seconds = time.perf_counter() - start

    print(f"{'step':44} {'seconds':>9} {'turns/s':>14} {'x orjson':>9}")
    for name, seconds in rows:
        count = len(head_list) if name.startswith("candidates") else n
        print(f"{name:44} {seconds:9.3f} {count / seconds:14,.0f} {seconds / parse:9.2f}")
    if spacy_hits is None:
        print("candidates: spaCy PhraseMatcher               skipped (spaCy not installed: pip install 'dsatkit[pii]')")
        return
    print(f"{'candidates: spaCy PhraseMatcher (tokenize+match)':44} {spacy_seconds:9.3f} "
          f"{len(head_list) / spacy_seconds:14,.0f} {spacy_seconds / parse:9.2f}")
    regex_hits = low.str.contains_any(phrases).to_list()
    agree = sum(a == b for a, b in zip(regex_hits, spacy_hits)) / max(len(head_list), 1)
    print(f"candidate turns: regex {sum(regex_hits):,}, spaCy {sum(spacy_hits):,}, agreement {agree:.1%}")
    print("chosen: compiled regexes (polars, Rust) - see the module docstring")


if __name__ == "__main__":
    main()

"""Reproduce the head that ships in dsatkit/resources/head/ from ../shared/data.

Trained only on data whose licence allows shipping weights derived from it:
  - the reaction probe on DBDC3 English (MIT): user turns after a system turn most of the 30 annotators
    call a breakdown, against user turns after one most call fine;
  - the head on EURTAD `filtered_dialogs/*/checked` (Apache-2.0): human user-reaction labels.
Never on USS or LMSYS. No text is written into the repository: the sets are converted into a temporary
folder (benchmarks/devsets.py), only weights and the model card land in the output folder.

    python scripts/train_default_head.py                       # writes dsatkit/resources/head/
    python scripts/train_default_head.py --out /tmp/head --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from devsets import read_dbdc3, read_eurtad, write_devset  # noqa: E402

from dsatkit.classifier.reaction import fit_reaction_probe  # noqa: E402
from dsatkit.classifier.train import LabelledTurns, TrainConfig, conversations_of, join_gold, train_on_turns  # noqa: E402
from dsatkit.detect.embedding import needs_embedding  # noqa: E402
from dsatkit.embed import Embedder  # noqa: E402
from dsatkit.evaluate import read_gold  # noqa: E402
from dsatkit.turns import turns_table  # noqa: E402

EURTAD_NOTE = "EURTAD (Petrak et al., EMNLP 2023), filtered_dialogs/*/checked, user-reaction labels"
DBDC3_NOTE = "DBDC3 English, revised (Dialogue Breakdown Detection Challenge 3), reaction probe only"


def reaction_data(devset, folder: Path, embedder: Embedder):
    """User vectors of DBDC3 turns after a clear breakdown (True) or a clearly fine answer (False)."""
    conversations, _ = conversations_of([str(folder / "conversations.jsonl")])
    turns = turns_table(conversations)
    marks = pl.DataFrame(devset.breakdown).filter(pl.col("after") != "unclear")
    marks = marks.select("conversation_id", pl.col("turn").cast(pl.Int32), (pl.col("after") == "breakdown").alias("y"))
    joined = turns.join(marks, on=["conversation_id", "turn"], how="inner")
    joined = joined.filter(pl.Series(needs_embedding(joined)))
    vectors = embedder.encode(joined["text"].to_list())
    return vectors, joined["y"].to_numpy(), joined["conversation_id"].to_numpy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "dsatkit" / "resources" / "head")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not (args.data_dir / "eurtad").is_dir() or not (args.data_dir / "dbdc3").is_dir():
        print(f"skipped: {args.data_dir} lacks eurtad/ or dbdc3/ (pass --data-dir to point at shared/data)")
        return 0

    embedder = Embedder(cache_size=200_000)
    with tempfile.TemporaryDirectory(prefix="dsatkit-head-") as tmp:
        tmp = Path(tmp)
        dbdc3 = read_dbdc3(args.data_dir)[0]
        vectors, y, groups = reaction_data(dbdc3, write_devset(dbdc3, tmp), embedder)
        probe, probe_report = fit_reaction_probe(vectors, y, groups, embedding_model=embedder.model_name, seed=args.seed)
        print(f"reaction probe: {json.dumps(probe_report)}", file=sys.stderr)

        eurtad = read_eurtad(args.data_dir)
        frames, golds = [], []
        for devset in eurtad:
            folder = write_devset(devset, tmp)
            conversations, _ = conversations_of([str(folder / "conversations.jsonl")])
            frames.append(turns_table(conversations))
            golds.append(read_gold(folder / "gold.jsonl"))
        turns = pl.concat(frames)
        data: LabelledTurns = join_gold(turns.drop("conv_index"), pl.concat(golds))

    labels = Counter(data.labels.tolist())
    trained_on = [
        {
            "name": EURTAD_NOTE,
            "licence": "Apache-2.0",
            "subsets": ", ".join(s.name for s in eurtad),
            "turns": data.turns.height,
            "labels": ", ".join(f"{k} {v}" for k, v in sorted(labels.items())),
        },
        {
            "name": DBDC3_NOTE,
            "licence": "MIT",
            "turns": probe_report["turns"],
            "after_breakdown": probe_report["after_breakdown"],
            "probe_cv_auc": probe_report["cv_auc"][str(probe_report["chosen_c"])],
        },
    ]
    config = TrainConfig(seed=args.seed, overwrite=True)
    report = train_on_turns(data, args.out, config, embedder=embedder, trained_on=trained_on, reaction_probe=probe)
    report["reaction_probe"] = probe_report
    held = report["held_out"]
    print(
        f"head: {report['turns']} turns ({report['dsat_turns']} DSAT), C={report['chosen_c']}, threshold "
        f"{report['threshold']}; held-out P/R/F1 {held['precision']}/{held['recall']}/{held['f1']} AUC {held['auc']} "
        f"ECE {held['ece']}; written to {args.out}",
        file=sys.stderr,
    )
    print(json.dumps({k: v for k, v in report.items() if k != "cross_validation"}, indent=2, default=_jsonable))
    return 0


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


if __name__ == "__main__":
    sys.exit(main())

"""Render the dataset card (README.md) of an anchor dataset from stats.json, never by hand.

The card follows the Hub's dataset card spec: a YAML header (license, language, task_categories, tags,
size_categories, configs pointing at the parquet shards, dataset_info features and splits), then the
body from `data_cards/dataset_card.md.j2`. Every stats key beyond SPEC §4's minimum is optional.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from dsatkit.errors import DsatkitError

DEFAULT_TEMPLATE = "dataset_card.md.j2"
SHARD_NAME = re.compile(r"^(train|test)-\d{5}-of-\d{5}\.parquet$")  # how `extract` names anchor shards
SPEC_STATS_KEYS: tuple[str, ...] = (
    "records_read", "conversations", "quarantined", "quarantined_by_reason",
    "user_turns", "dsat_turns", "labels", "anchors", "sat_pairs",
)
# Licences of public chat-log datasets the tool is often run on: (substring of the input, licence).
KNOWN_SOURCE_LICENSES: tuple[tuple[str, str], ...] = (
    ("wildchat", "ODC-BY (allenai/WildChat-1M; early releases were under the AI2 ImpACT Low Risk licence)"),
    ("wildfeedback", "ODC-BY (microsoft/WildFeedback)"),
    ("lmsys-chat-1m", "LMSYS-Chat-1M Dataset License Agreement: no redistribution outside its terms"),
    ("sharegpt", "unclear: ShareGPT conversations were shared by users without an explicit licence"),
)


class CardError(DsatkitError):
    """The card could not be rendered: a template error or unusable stats. One line, says the fix."""


def size_category(n: int) -> str:
    """The Hub's size_categories bucket for n rows."""
    bounds = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"))
    return next((label for bound, label in bounds if n < bound), "100M<n<1B")


def features_from_arrow(schema) -> list[dict] | None:
    """A pyarrow schema as the Hub's `dataset_info.features` YAML list, or None for a type it cannot say."""
    try:
        return [_feature(f.name, f.type) for f in schema]
    except TypeError:
        return None


def features_from_parquet(path: str | Path) -> list[dict] | None:
    import pyarrow.parquet as pq

    return features_from_arrow(pq.read_schema(path))


def _dtype(t) -> dict:
    import pyarrow as pa

    if pa.types.is_struct(t):
        return {"struct": [_feature(t.field(i).name, t.field(i).type) for i in range(t.num_fields)]}
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        key = "list" if pa.types.is_list(t) else "large_list"
        inner = _dtype(t.value_type)
        return {key: inner["struct"] if "struct" in inner else inner.get("dtype", inner)}
    if pa.types.is_dictionary(t):
        return _dtype(t.value_type)
    names = {pa.string(): "string", pa.large_string(): "large_string", pa.bool_(): "bool", pa.null(): "null",
             pa.int8(): "int8", pa.int16(): "int16", pa.int32(): "int32", pa.int64(): "int64",
             pa.uint8(): "uint8", pa.uint16(): "uint16", pa.uint32(): "uint32", pa.uint64(): "uint64",
             pa.float16(): "float16", pa.float32(): "float32", pa.float64(): "float64"}
    if t in names:
        return {"dtype": names[t]}
    raise TypeError(f"no Hub feature type for arrow type {t}")


def _feature(name: str, t) -> dict:
    return {"name": name, **_dtype(t)}


def card_metadata(
    stats: Mapping,
    data_dir: str = "data",
    splits: Mapping[str, int] | None = None,
    features: list[dict] | None = None,
    license: str | None = None,
    pretty_name: str | None = None,
    split_bytes: Mapping[str, int] | None = None,
) -> dict:
    """The YAML header as a dict. `splits` ({split: rows}) defaults to stats' anchors_by_split.

    `dataset_info.splits` is written only with both rows and bytes known (from the shards): `datasets`
    rejects a splits entry without num_bytes and checks num_examples against the files.
    """
    sizes = dict(splits) if splits is not None else {k: int(v) for k, v in (stats.get("anchors_by_split") or {}).items()}
    present = [s for s in ("train", "test") if sizes.get(s)] or ["train"]
    prefix = f"{data_dir.strip('/')}/" if data_dir.strip("/") else ""
    languages = sorted(code for code in (stats.get("languages") or {}) if code and code != "und")
    meta: dict = {
        "license": license or stats.get("license") or "other",
        "language": languages or None,
        "pretty_name": pretty_name or "DSAT preference anchors",
        "task_categories": ["text-generation"],
        "tags": ["dpo", "preference", "implicit-feedback", "user-dissatisfaction", "drift", "trl", "dsatkit"],
        "size_categories": [size_category(int(stats.get("anchors") or 0))],
        "configs": [{
            "config_name": "default",
            "data_files": [{"split": s, "path": f"{prefix}{s}-*.parquet"} for s in present],
        }],
    }
    info: dict = {}
    if features:
        info["features"] = features
    if splits is not None and split_bytes is not None:
        info["splits"] = [
            {"name": s, "num_bytes": int(split_bytes.get(s, 0)), "num_examples": int(sizes.get(s, 0))} for s in present
        ]
    if info:
        meta["dataset_info"] = info
    return {k: v for k, v in meta.items() if v is not None}


def template_folder() -> Path:
    """The installed `data_cards/` folder (works for regular, namespace and editable installs)."""
    import data_cards

    folders = [Path(p) for p in getattr(data_cards, "__path__", []) if Path(p).is_dir()]
    if not folders:
        raise CardError("the data_cards/ template folder is not installed: reinstall dsatkit (`pip install dsatkit`)")
    return folders[0]


def _source_licenses(inputs: Sequence[str]) -> list[dict]:
    out = []
    for path in inputs:
        lowered = str(path).lower()
        licence = next((text for key, text in KNOWN_SOURCE_LICENSES if key in lowered), None)
        out.append({"input": str(path), "license": licence})
    return out


def _check_stats(stats: Mapping) -> None:
    if not isinstance(stats, Mapping):
        raise CardError(f"stats must be the stats.json object, got {type(stats).__name__}: pass the dict `extract` returns")
    missing = [k for k in SPEC_STATS_KEYS if k not in stats]
    if missing:
        raise CardError(
            f"stats.json lacks {', '.join(missing)} (SPEC §4 keys): re-run `dsatkit extract LOGS -o OUT` to write a complete one"
        )


def render_dataset_card(
    stats: Mapping,
    eval_report: Mapping | None = None,
    *,
    data_dir: str = "data",
    splits: Mapping[str, int] | None = None,
    features: list[dict] | None = None,
    license: str | None = None,
    pretty_name: str | None = None,
    split_bytes: Mapping[str, int] | None = None,
    repo_id: str | None = None,
    template: str = DEFAULT_TEMPLATE,
    template_dir: str | Path | None = None,
) -> str:
    """The full README.md text.

    data_dir: where the shards sit relative to the card: "data" in a published repo, "anchors" for
    OUT/README.md, "" for OUT/anchors/README.md. splits: {split: rows} of the shards (defaults to
    stats' anchors_by_split). features: Hub feature list, split_bytes: {split: bytes}; `shard_summary`
    gives all three from the parquet shards.
    """
    import jinja2
    import yaml

    _check_stats(stats)
    meta = card_metadata(stats, data_dir, splits, features, license, pretty_name, split_bytes)
    filters = dict(stats.get("filters") or {})
    context = {
        "stats": stats,
        "meta": meta,
        "metadata_yaml": yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=120),
        "repo_id": repo_id or "ORG/NAME",
        "tool": stats.get("tool") or {"name": "dsatkit", "version": "unknown"},
        "labels": dict(stats.get("labels") or {}),
        "languages": dict(sorted((stats.get("languages") or {}).items(), key=lambda kv: -kv[1])),
        "splits": _split_rows(meta, splits, stats),
        "split_names": [f["split"] for f in meta["configs"][0]["data_files"]],
        "detectors": [
            {"name": name, "fired": d.get("fired"), "seconds": d.get("seconds"), "settings": _settings_text(d, _DETECTOR_COUNTERS)}
            for name, d in (stats.get("detectors") or {}).items()
        ],
        "filters": [
            {"name": name, "total": f.get("total"), "kept": f.get("kept"), "dropped": f.get("dropped"),
             "settings": _settings_text(f, _FILTER_COUNTERS)}
            for name, f in filters.items()
        ],
        "filter_names": list(filters),
        "pii": filters.get("pii"),
        "dropped": dict(stats.get("anchors_dropped_by_reason") or {}),
        "quarantined_by_reason": dict(stats.get("quarantined_by_reason") or {}),
        "options": dict(stats.get("options") or {}),
        "timings": dict(stats.get("timings") or {}),
        "sources": _source_licenses(stats.get("inputs") or []),
        "eval": _eval_view(eval_report),
        "dsat_labels": ("rephrase", "correction", "complaint", "revision"),
    }
    folder = Path(template_dir) if template_dir is not None else template_folder()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda n, total: f"{100.0 * n / total:.1f}%" if total else "n/a"
    env.filters["fmt"] = _fmt
    try:
        text = env.get_template(template).render(**context)
        return re.sub(r"\n{3,}", "\n\n", text)
    except jinja2.TemplateSyntaxError as e:
        raise CardError(
            f"data card template {e.filename or e.name or template} line {e.lineno}: {e.message}; fix the template in {folder}"
        ) from None
    except jinja2.TemplateNotFound as e:
        raise CardError(f"data card template '{e.name}' not found in {folder}: reinstall dsatkit or pass an existing template") from None
    except jinja2.TemplateError as e:
        raise CardError(f"data card template {template} failed: {e}; fix the template in {folder}") from None


# Counters shown in their own columns or sections, so not repeated among a stage's settings.
_DETECTOR_COUNTERS = frozenset({"fired", "seconds"})
_FILTER_COUNTERS = frozenset({
    "total", "kept", "dropped", "dropped_by_reason", "seconds", "entities", "anchors_with_pii", "texts_scanned",
    "anchors_per_s", "entity_types", "by_category", "dropped_languages", "presidio_version",
})


def _settings_text(stage: Mapping, counters: frozenset[str]) -> str:
    items = [f"{k}={_fmt(v)}" for k, v in stage.items() if k not in counters]
    return "; ".join(items) or "-"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else "n/a"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) if value else "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_fmt(v)}" for k, v in value.items()) if value else "-"
    return "-" if value is None else str(value)


def _eval_view(report: Mapping | None) -> dict | None:
    """SPEC §5 report -> {dsat: {precision, recall, f1, support}, per_label: {label: {...}}}, tolerant of shape."""
    if not report:
        return None
    dsat = report.get("dsat") if isinstance(report.get("dsat"), Mapping) else report
    keys = ("precision", "recall", "f1", "support")
    per_label = report.get("per_label") if isinstance(report.get("per_label"), Mapping) else {}
    return {
        "dsat": {k: dsat.get(k) for k in keys},
        "per_label": {label: {k: (v or {}).get(k) for k in keys} for label, v in per_label.items()},
        "gold": report.get("gold") or report.get("gold_path"),
    }


def shard_summary(paths_by_split: Mapping[str, Sequence[Path]]) -> dict:
    """{"splits": {split: rows}, "split_bytes": {split: uncompressed bytes}, "features": [...]} from parquet
    footers only (no data read): the card's split sizes then match the files exactly."""
    import pyarrow.parquet as pq

    rows: dict[str, int] = {}
    size: dict[str, int] = {}
    features = None
    for split, paths in paths_by_split.items():
        for path in paths:
            meta = pq.ParquetFile(path).metadata
            rows[split] = rows.get(split, 0) + meta.num_rows
            size[split] = size.get(split, 0) + sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
            if features is None:
                features = features_from_parquet(path)
    return {"splits": rows, "split_bytes": size, "features": features}


def _split_rows(meta: dict, splits: Mapping[str, int] | None, stats: Mapping) -> dict[str, int]:
    """{split: rows} for the body's table: from the shards when known, else from stats."""
    names = [f["split"] for f in meta["configs"][0]["data_files"]]
    known = splits if splits is not None else stats.get("anchors_by_split")
    return {name: int(known.get(name, 0)) for name in names} if known else {}


def write_extract_cards(out_dir: str | Path, stats: Mapping, eval_report: Mapping | None = None) -> None:
    """Write OUT/README.md and OUT/anchors/README.md, each with `configs` paths relative to itself, so
    `load_dataset(OUT)` and `load_dataset(OUT/anchors)` both give the anchors' train/test splits."""
    out = Path(out_dir)
    by_split: dict[str, list[Path]] = {}
    for path in sorted((out / "anchors").glob("*.parquet")):
        m = SHARD_NAME.match(path.name)
        if m:
            by_split.setdefault(m.group(1), []).append(path)
    summary = shard_summary({s: by_split[s] for s in ("train", "test") if s in by_split}) if by_split else {}
    for folder, data_dir in ((out, "anchors"), (out / "anchors", "")):
        card = render_dataset_card(stats, eval_report, data_dir=data_dir, **summary)
        (folder / "README.md").write_text(card, encoding="utf-8")

"""Publish an `extract` output folder to the Hugging Face Hub as a dataset repo.

The repo folder is built locally first (data/ parquet shards, README.md card rendered from stats.json,
stats.json), scanned once more for PII, and only then uploaded in a single commit: every check that can
fail runs before anything is sent, and one commit means a failed upload leaves no partial files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dsatkit.card import SHARD_NAME, CardError, render_dataset_card, shard_summary
from dsatkit.errors import DsatkitError

# Hub rule: ORG/NAME, each part starts alphanumeric, then letters, digits, '-', '_', '.'; 96 chars max.
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
DATA_DIR = "data"  # the Hub's convention (push_to_hub writes data/{split}-0000i-of-0000n.parquet)
# Generated ids and closed vocabularies: never personal data, and hex/base62 ids would trip the secret check.
SKIP_SCAN_COLUMNS = frozenset({"id", "conversation_id", "label", "language", "confidence", "turn"})
# The card and stats.json hold numbers and paths: phone/IP/high-entropy checks there are mostly noise.
METADATA_SCAN_ENTITIES = ("EMAIL", "CREDENTIAL_URL", "API_KEY", "PRIVATE_KEY")


class PublishError(DsatkitError):
    """Publishing stopped before anything was uploaded (or the upload failed whole). One line, says the fix."""


@dataclass
class PiiScanReport:
    entities: dict[str, int] = field(default_factory=dict)
    # (file relative to the folder, row or None, column or None, entity): where, never what.
    findings: list[tuple[str, int | None, str | None, str]] = field(default_factory=list)
    texts_scanned: int = 0

    @property
    def total(self) -> int:
        return sum(self.entities.values())


@dataclass
class PublishResult:
    repo_id: str
    folder: str | None  # the dry-run folder; None after a real upload (built in a temporary folder)
    files: list[str]
    rows: dict[str, int]
    pii: dict[str, int]
    uploaded: bool
    private: bool
    revision: str | None = None
    url: str | None = None
    commit_url: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def check_repo_id(repo_id: str) -> str:
    if not isinstance(repo_id, str) or not REPO_ID.match(repo_id) or len(repo_id.split("/")[1]) > 96 \
            or "--" in repo_id or ".." in repo_id or repo_id.endswith((".git", ".")):
        raise PublishError(
            f"repo id '{repo_id}' is not of the form ORG/NAME (letters, digits, '-', '_', '.'; no '--' or '..'): "
            "pass e.g. --repo-id my-org/dsat-anchors"
        )
    return repo_id


def read_extract_output(out_dir: str | Path) -> tuple[dict, dict[str, list[Path]]]:
    """stats.json and the anchor shards by split; PublishError if OUT is not an extract output."""
    out = Path(out_dir)
    hint = "run `dsatkit extract LOGS -o OUT` first and pass that OUT"
    if not out.is_dir():
        raise PublishError(f"{out} is not a folder: {hint}")
    stats_path = out / "stats.json"
    if not stats_path.is_file():
        raise PublishError(f"{out} is not a `dsatkit extract` output (no stats.json): {hint}")
    try:
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise PublishError(f"{stats_path} is not valid JSON ({e.__class__.__name__}: line {getattr(e, 'lineno', '?')}): {hint}") from None
    if not isinstance(stats, dict) or "anchors" not in stats:
        raise PublishError(f"{stats_path} has no 'anchors' count, so it is not an extract stats file: {hint}")
    anchors = out / "anchors"
    shards: dict[str, list[Path]] = {}
    for path in sorted(anchors.glob("*.parquet")) if anchors.is_dir() else []:
        m = SHARD_NAME.match(path.name)
        if not m:
            raise PublishError(
                f"{path} is not named like an extract shard (train-00000-of-00001.parquet): remove it or re-run `dsatkit extract`"
            )
        shards.setdefault(m.group(1), []).append(path)
    if not shards:
        raise PublishError(f"{out} has no anchors/*.parquet shards: {hint}")
    return stats, {split: shards[split] for split in ("train", "test") if split in shards}


def build_repo_folder(out_dir: str | Path, dest: str | Path, *, license: str | None = None, repo_id: str | None = None) -> dict:
    """Write the exact repo: README.md (card from stats.json), stats.json, data/{split}-*.parquet.

    Returns {"files": [relative paths], "rows": {split: n}}. dest must be missing or empty.
    """
    import pyarrow.parquet as pq

    stats, shards = read_extract_output(out_dir)
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise PublishError(f"{dest} exists and is not an empty folder: choose a new --dry-run folder or empty this one")
    summary = shard_summary(shards)
    rows = summary["splits"]
    if sum(rows.values()) == 0:
        raise PublishError(f"{out_dir} has 0 anchor rows, nothing to publish: extract from more logs or loosen the filters")
    schemas = {p.name: pq.read_schema(p) for paths in shards.values() for p in paths}
    first = next(iter(schemas.values()))
    for name, schema in schemas.items():
        if not schema.equals(first):
            raise PublishError(f"shard {name} has columns/types that differ from the others: re-run `dsatkit extract` to rewrite {out_dir}")
    eval_path = Path(out_dir) / "eval.json"
    eval_report = json.loads(eval_path.read_text(encoding="utf-8")) if eval_path.is_file() else None
    card = render_dataset_card(stats, eval_report, data_dir=DATA_DIR, license=license, repo_id=repo_id, **summary)
    (dest / DATA_DIR).mkdir(parents=True, exist_ok=True)
    files = ["README.md", "stats.json"]
    (dest / "README.md").write_text(card, encoding="utf-8")
    shutil.copyfile(Path(out_dir) / "stats.json", dest / "stats.json")
    for paths in shards.values():
        for path in paths:
            shutil.copyfile(path, dest / DATA_DIR / path.name)
            files.append(f"{DATA_DIR}/{path.name}")
    return {"files": files, "rows": rows}


def _strings(value, path: str):
    """Yield (column path, text) for every string inside a nested row value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


def scan_for_pii(folder: str | Path, *, ner_model: str | None = "auto", score_threshold: float = 0.4,
                 max_findings: int = 20) -> PiiScanReport:
    """Scan every parquet text value, README.md and stats.json of a folder. Reports where, never what."""
    import pyarrow.parquet as pq

    from dsatkit.filters.pii import PiiDetector

    folder = Path(folder)
    detector = PiiDetector(ner_model=ner_model, score_threshold=score_threshold)
    report = PiiScanReport()
    counts: Counter[str] = Counter()

    def record(rel: str, row: int | None, column: str | None, entities: list[str]) -> None:
        counts.update(entities)
        for entity in entities:
            if len(report.findings) < max_findings:
                report.findings.append((rel, row, column, entity))

    for path in sorted(folder.rglob("*.parquet")):
        rel = path.relative_to(folder).as_posix()
        table = pq.read_table(path)
        columns = [c for c in table.column_names if c not in SKIP_SCAN_COLUMNS]
        for row, record_ in enumerate(_progress(table.select(columns).to_pylist(), f"PII scan {rel}")):
            for column, text in (s for c in columns for s in _strings(record_[c], c)):
                report.texts_scanned += 1
                hits = detector.find(text)
                if hits:
                    record(rel, row, column, [h.entity for h in hits])
    for name in ("README.md", "stats.json"):
        path = folder / name
        if path.is_file():
            report.texts_scanned += 1
            hits = detector.find(path.read_text(encoding="utf-8"), entities=METADATA_SCAN_ENTITIES)
            record(name, None, None, [h.entity for h in hits])
    report.entities = dict(sorted(counts.items()))
    return report


def _progress(items: list, description: str):
    """A rich progress bar on a terminal, the bare list otherwise (logs and CI stay clean)."""
    import sys

    if not sys.stderr.isatty():
        return items
    from rich.progress import track

    return track(items, description=description, transient=True)


def resolve_token(token: str | None = None) -> str:
    """The token to upload with: the argument, else HF_TOKEN, else the stored `hf auth login` token."""
    if token:
        return token
    if os.environ.get("HF_TOKEN"):
        return os.environ["HF_TOKEN"]
    from huggingface_hub import get_token

    found = get_token()
    if not found:
        raise PublishError("no Hugging Face token found: run `hf auth login` (with a write token) or set HF_TOKEN")
    return found


def _pii_refusal(report: PiiScanReport, folder_note: str) -> PublishError:
    kinds = ", ".join(f"{k}: {v}" for k, v in report.entities.items())
    where = report.findings[0]
    at = f"{where[0]}" + (f" row {where[1]} {where[2]}" if where[1] is not None else "")
    return PublishError(
        f"refusing to publish: the PII scan found {report.total} findings ({kinds}), first in {at}{folder_note}; "
        "re-run `dsatkit extract --pii redact` (or --pii drop), or pass --allow-pii if they are not personal data"
    )


def publish(
    out_dir: str | Path,
    repo_id: str,
    private: bool = True,
    revision: str | None = None,
    dry_run: str | Path | None = None,
    allow_pii: bool = False,
    token: str | None = None,
    *,
    license: str | None = None,
    ner_model: str | None = "auto",
    commit_message: str | None = None,
) -> PublishResult:
    """Build, scan and (unless dry_run) upload OUT as the dataset repo `repo_id` in one commit."""
    check_repo_id(repo_id)
    read_extract_output(out_dir)  # fail on a wrong folder before asking for a token
    if dry_run is not None:
        built = _build(out_dir, Path(dry_run), license, repo_id)
        report = scan_for_pii(dry_run, ner_model=ner_model)
        if report.total and not allow_pii:
            raise _pii_refusal(report, f" (the dry-run folder {dry_run} is left for inspection)")
        return PublishResult(repo_id, str(dry_run), built["files"], built["rows"], report.entities, False, private, revision)
    secret = resolve_token(token)
    with tempfile.TemporaryDirectory(prefix="dsatkit-publish-") as tmp:
        folder = Path(tmp) / "repo"
        built = _build(out_dir, folder, license, repo_id)
        report = scan_for_pii(folder, ner_model=ner_model)
        if report.total and not allow_pii:
            raise _pii_refusal(report, "")
        try:
            url, commit_url = _upload(folder, built["files"], repo_id, private, revision, secret, commit_message)
        except PublishError as e:
            raise PublishError(str(e).replace(secret, "***")) from None
    return PublishResult(repo_id, None, built["files"], built["rows"], report.entities, True, private, revision, url, commit_url)


def _build(out_dir, dest: Path, license, repo_id) -> dict:
    try:
        return build_repo_folder(out_dir, dest, license=license, repo_id=repo_id)
    except CardError as e:
        raise PublishError(str(e)) from None


def _upload(folder: Path, files: list[str], repo_id: str, private: bool, revision: str | None, token: str,
            commit_message: str | None) -> tuple[str, str | None]:
    """create_repo, then every file in one create_commit (atomic); an empty repo we created is removed on failure."""
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=token)
    created = False
    try:
        existed = api.repo_exists(repo_id, repo_type="dataset")
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        created = not existed
        if revision:
            api.create_branch(repo_id, repo_type="dataset", branch=revision, exist_ok=True)
        operations = [CommitOperationAdd(path_in_repo=f, path_or_fileobj=str(folder / f)) for f in files]
        info = api.create_commit(
            repo_id, operations=operations, repo_type="dataset", revision=revision,
            commit_message=commit_message or "Publish DSAT anchors with dsatkit",
        )
    except HfHubHTTPError as e:
        status = getattr(getattr(e, "response", None), "status_code", None)
        cleanup = _remove_if_created(api, repo_id, created)
        if status in (401, 403):
            raise PublishError(
                f"the Hugging Face Hub refused the token for {repo_id} (HTTP {status}): "
                f"run `hf auth login` with a write token that can create repos in '{repo_id.split('/')[0]}', or set HF_TOKEN{cleanup}"
            ) from None
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
        raise PublishError(f"upload to {repo_id} failed, nothing was committed ({first_line}){cleanup}: re-run the same command") from None
    except OSError as e:
        cleanup = _remove_if_created(api, repo_id, created)
        raise PublishError(f"upload to {repo_id} failed, nothing was committed ({e.__class__.__name__}: {e}){cleanup}: check the network and re-run") from None
    return f"https://huggingface.co/datasets/{repo_id}", getattr(info, "commit_url", None)


def _remove_if_created(api, repo_id: str, created: bool) -> str:
    if not created:
        return ""
    try:
        api.delete_repo(repo_id, repo_type="dataset", missing_ok=True)
        return "; the empty repo it had just created was deleted"
    except Exception:  # noqa: BLE001 - best effort: the original error is the one to report
        return f"; the empty repo {repo_id} it had just created is left, delete it on the Hub"

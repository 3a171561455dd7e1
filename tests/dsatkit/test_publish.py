from __future__ import annotations

import json
import logging

import pytest
from anchor_fixtures import CLEAN_ANCHORS, anchor, write_out

from dsatkit.publish import PublishError, build_repo_folder, publish, scan_for_pii

TOKEN = "hf_FakeTokenNeverPrinted0123456789abcd"


@pytest.fixture
def out(tmp_path):
    return write_out(tmp_path / "out")


@pytest.fixture
def pii_out(tmp_path):
    rows = {"train": [anchor("p1", feedback="no! mail the fix to maria.lopez@gmail.com"), *CLEAN_ANCHORS["train"]]}
    return write_out(tmp_path / "pii_out", rows)


class FakeHub:
    """Stands in for HfApi's network calls; records them in order."""

    def __init__(self, exists: bool = False, fail_commit: Exception | None = None):
        self.calls: list[tuple[str, dict]] = []
        self.exists, self.fail_commit = exists, fail_commit

    def install(self, monkeypatch):
        from huggingface_hub import HfApi

        hub = self

        def record(name, result=None):
            def method(api, *args, **kwargs):
                hub.calls.append((name, {"args": args, **kwargs, "token": api.token}))
                if name == "create_commit" and hub.fail_commit is not None:
                    raise hub.fail_commit
                return result() if callable(result) else result
            return method

        class Info:
            commit_url = "https://huggingface.co/datasets/org/anchors/commit/abc123"

        monkeypatch.setattr(HfApi, "repo_exists", record("repo_exists", lambda: hub.exists))
        monkeypatch.setattr(HfApi, "create_repo", record("create_repo"))
        monkeypatch.setattr(HfApi, "create_branch", record("create_branch"))
        monkeypatch.setattr(HfApi, "create_commit", record("create_commit", Info))
        monkeypatch.setattr(HfApi, "delete_repo", record("delete_repo"))
        return self

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def call(self, name: str) -> dict:
        return next(kwargs for n, kwargs in self.calls if n == name)


def test_dry_run_folder_has_the_hub_layout(out, tmp_path):
    result = publish(out, "org/anchors", dry_run=tmp_path / "repo")
    assert sorted(result.files) == ["README.md", "data/test-00000-of-00001.parquet", "data/train-00000-of-00001.parquet", "stats.json"]
    assert (result.uploaded, result.rows, result.pii) == (False, {"test": 1, "train": 3}, {})
    assert json.loads((tmp_path / "repo" / "stats.json").read_text()) == json.loads((out / "stats.json").read_text())
    assert 'load_dataset("org/anchors")' in (tmp_path / "repo" / "README.md").read_text()


def test_dry_run_folder_loads_to_the_same_rows_and_features(out, tmp_path):
    from datasets import load_dataset

    publish(out, "org/anchors", dry_run=tmp_path / "repo")
    published = load_dataset(str(tmp_path / "repo"), cache_dir=str(tmp_path / "c1"))
    original = load_dataset("parquet", data_dir=str(out / "anchors"), cache_dir=str(tmp_path / "c2"))
    assert set(published) == set(original) == {"train", "test"}
    for split in published:
        assert published[split].features == original[split].features
        assert published[split].to_list() == original[split].to_list()


def test_dry_run_refuses_pii_and_names_where_not_what(pii_out, tmp_path):
    with pytest.raises(PublishError) as err:
        publish(pii_out, "org/anchors", dry_run=tmp_path / "repo")
    message = str(err.value)
    assert "found 1 findings (EMAIL: 1), first in data/train-00000-of-00001.parquet row 0 feedback.content" in message
    assert "--pii redact" in message and "--allow-pii" in message
    assert "maria.lopez" not in message and "\n" not in message


def test_allow_pii_publishes_and_reports_the_counts(pii_out, tmp_path):
    result = publish(pii_out, "org/anchors", dry_run=tmp_path / "repo", allow_pii=True)
    assert result.pii == {"EMAIL": 1}


def test_scan_checks_metadata_files_too(out, tmp_path):
    build_repo_folder(out, tmp_path / "repo")
    stats = json.loads((tmp_path / "repo" / "stats.json").read_text())
    stats["inputs"] = ["/exports/bob.smith@corp.example.com/logs.jsonl"]
    (tmp_path / "repo" / "stats.json").write_text(json.dumps(stats))
    report = scan_for_pii(tmp_path / "repo", ner_model="none")
    assert report.entities == {"EMAIL": 1}
    assert report.findings == [("stats.json", None, None, "EMAIL")]


def test_clean_card_and_stats_do_not_trip_the_scan(out, tmp_path):
    build_repo_folder(out, tmp_path / "repo")
    assert scan_for_pii(tmp_path / "repo", ner_model="none").total == 0


def write_json(path, value):
    path.write_text(json.dumps(value) if not isinstance(value, str) else value)


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("missing", r"is not a folder: run `dsatkit extract LOGS -o OUT` first"),
        ("no_stats", r"is not a `dsatkit extract` output \(no stats.json\)"),
        ("bad_json", r"stats.json is not valid JSON"),
        ("not_stats", r"has no 'anchors' count"),
        ("no_shards", r"has no anchors/\*.parquet shards"),
        ("foreign_shard", r"is not named like an extract shard"),
    ],
)
def test_a_folder_that_is_not_an_extract_output_is_refused(out, tmp_path, breakage, message):
    import shutil

    target = out
    if breakage == "missing":
        target = tmp_path / "nowhere"
    elif breakage == "no_stats":
        (out / "stats.json").unlink()
    elif breakage == "bad_json":
        write_json(out / "stats.json", "{not json")
    elif breakage == "not_stats":
        write_json(out / "stats.json", {"hello": 1})
    elif breakage == "no_shards":
        shutil.rmtree(out / "anchors")
    elif breakage == "foreign_shard":
        (out / "anchors" / "extra.parquet").write_bytes(b"")
    with pytest.raises(PublishError, match=message) as err:
        publish(target, "org/anchors", dry_run=tmp_path / "repo")
    assert "\n" not in str(err.value)


def test_zero_anchor_rows_is_refused(tmp_path):
    out = write_out(tmp_path / "empty", {"train": []})
    with pytest.raises(PublishError, match="0 anchor rows, nothing to publish"):
        publish(out, "org/anchors", dry_run=tmp_path / "repo")


@pytest.mark.parametrize("repo_id", ["anchors", "org/", "/anchors", "org/an chors", "org/a/b", "org/a--b", "org/a..b", "-org/x"])
def test_repo_id_of_the_wrong_form_is_refused(out, tmp_path, repo_id):
    with pytest.raises(PublishError, match=r"is not of the form ORG/NAME.*--repo-id my-org/dsat-anchors"):
        publish(out, repo_id, dry_run=tmp_path / "repo")


def test_a_non_empty_dry_run_folder_is_refused(out, tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "keep.txt").write_text("mine")
    with pytest.raises(PublishError, match="exists and is not an empty folder"):
        publish(out, "org/anchors", dry_run=tmp_path / "repo")


def test_missing_token_says_how_to_log_in(out, monkeypatch):
    import huggingface_hub

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    hub = FakeHub().install(monkeypatch)
    with pytest.raises(PublishError, match=r"no Hugging Face token found: run `hf auth login`.* or set HF_TOKEN"):
        publish(out, "org/anchors")
    assert hub.calls == []


def test_upload_creates_a_private_dataset_repo_and_commits_every_file_once(out, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    hub = FakeHub().install(monkeypatch)
    result = publish(out, "org/anchors")
    assert hub.names() == ["repo_exists", "create_repo", "create_commit"]
    create = hub.call("create_repo")
    assert (create["args"], create["repo_type"], create["private"], create["token"]) == (("org/anchors",), "dataset", True, TOKEN)
    commit = hub.call("create_commit")
    assert sorted(op.path_in_repo for op in commit["operations"]) == sorted(result.files)
    assert commit["repo_type"] == "dataset"
    assert (result.uploaded, result.url, result.folder) == (True, "https://huggingface.co/datasets/org/anchors", None)
    assert result.commit_url.endswith("/commit/abc123")


def test_public_and_revision_are_passed_on(out, monkeypatch):
    hub = FakeHub().install(monkeypatch)
    publish(out, "org/anchors", private=False, revision="v2", token=TOKEN)
    assert hub.names() == ["repo_exists", "create_repo", "create_branch", "create_commit"]
    assert hub.call("create_repo")["private"] is False
    assert hub.call("create_branch")["branch"] == "v2"
    assert hub.call("create_commit")["revision"] == "v2"


def test_pii_found_means_nothing_is_sent(pii_out, monkeypatch):
    hub = FakeHub().install(monkeypatch)
    with pytest.raises(PublishError, match="refusing to publish"):
        publish(pii_out, "org/anchors", token=TOKEN)
    assert hub.calls == []


def test_card_template_error_means_nothing_is_sent(out, tmp_path, monkeypatch):
    import dsatkit.card

    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "dataset_card.md.j2").write_text("{% for x in %}")
    monkeypatch.setattr(dsatkit.card, "template_folder", lambda: tmp_path / "tpl")
    hub = FakeHub().install(monkeypatch)
    with pytest.raises(PublishError, match=r"data card template .*dataset_card.md.j2 line 1: .*fix the template"):
        publish(out, "org/anchors", token=TOKEN)
    assert hub.calls == []


def http_error(status: int, text: str):
    """The error huggingface_hub raises for an HTTP failure, built from its own response type."""
    import huggingface_hub.errors as hf_errors
    from httpx2 import Request

    response = hf_errors.Response(status, request=Request("POST", "https://huggingface.co/api/datasets/org/anchors/commit/main"))
    return hf_errors.HfHubHTTPError(text, response=response)


def test_a_failed_commit_removes_the_repo_it_created_and_hides_the_token(out, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    hub = FakeHub(fail_commit=http_error(500, f"500 Server Error for request with token {TOKEN}")).install(monkeypatch)
    with pytest.raises(PublishError) as err:
        publish(out, "org/anchors", token=TOKEN)
    message = str(err.value)
    assert "nothing was committed" in message and "the empty repo it had just created was deleted" in message
    assert TOKEN not in message and "***" in message
    assert hub.names()[-1] == "delete_repo"
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err + caplog.text


def test_a_failed_commit_leaves_an_existing_repo_alone(out, monkeypatch):
    hub = FakeHub(exists=True, fail_commit=http_error(500, "500 Server Error")).install(monkeypatch)
    with pytest.raises(PublishError, match="re-run the same command"):
        publish(out, "org/anchors", token=TOKEN)
    assert "delete_repo" not in hub.names()


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_says_how_to_log_in(out, monkeypatch, status):
    FakeHub(exists=True, fail_commit=http_error(status, f"{status} Client Error")).install(monkeypatch)
    with pytest.raises(PublishError, match=rf"refused the token for org/anchors \(HTTP {status}\): run `hf auth login`"):
        publish(out, "org/anchors", token=TOKEN)

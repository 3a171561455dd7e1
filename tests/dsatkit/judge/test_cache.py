import threading

import pytest

from dsatkit.judge.cache import Completion, ResponseCache, cache_key

MESSAGES = [{"role": "system", "content": "rubric"}, {"role": "user", "content": "turn"}]
PARAMS = {"temperature": 0.0, "max_tokens": 256}


def test_key_is_stable_and_ignores_dict_order():
    again = cache_key("openai", "m", "v1", [dict(reversed(list(m.items()))) for m in MESSAGES], dict(reversed(list(PARAMS.items()))))
    assert cache_key("openai", "m", "v1", MESSAGES, PARAMS) == again


@pytest.mark.parametrize(
    "changed",
    [
        ("transformers", "m", "v1", MESSAGES, PARAMS),
        ("openai", "other-model", "v1", MESSAGES, PARAMS),
        ("openai", "m", "v2", MESSAGES, PARAMS),
        ("openai", "m", "v1", MESSAGES[:1], PARAMS),
        ("openai", "m", "v1", MESSAGES, {**PARAMS, "temperature": 0.7}),
    ],
)
def test_key_changes_with_anything_that_changes_the_answer(changed):
    assert cache_key("openai", "m", "v1", MESSAGES, PARAMS) != cache_key(*changed)


def test_answers_survive_a_new_cache_object(tmp_path):
    ResponseCache(tmp_path).put("k", Completion("answer", 10, 3))
    reopened = ResponseCache(tmp_path)
    assert reopened.get("k") == Completion("answer", 10, 3)
    assert reopened.get("missing") is None


def test_get_many_returns_only_stored_keys(tmp_path):
    cache = ResponseCache(tmp_path)
    for i in range(3):
        cache.put(f"k{i}", Completion(f"a{i}", i, i))
    keys = [f"k{i}" for i in range(1200)]  # more than one SQL chunk
    assert cache.get_many(keys) == {f"k{i}": Completion(f"a{i}", i, i) for i in range(3)}


def test_concurrent_writers_lose_nothing(tmp_path):
    caches = [ResponseCache(tmp_path) for _ in range(2)]  # two handles, as two processes would hold

    def write(worker: int) -> None:
        cache = caches[worker % 2]
        for i in range(50):
            cache.put(f"w{worker}-{i}", Completion("x", 1, 1))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ResponseCache(tmp_path)) == 200


def test_unwritable_cache_folder_says_how_to_avoid_it(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError, match="--no-judge-cache"):
        ResponseCache(blocker / "cache")

import pytest

from dsatkit.detect.embedding import EmbeddingRephraseDetector, rephrase_similarity
from dsatkit.records import Conversation, Message
from dsatkit.turns import turns_table


def conversation(cid: str, *texts: str) -> Conversation:
    return Conversation(cid, [Message(("user", "assistant")[i % 2], t) for i, t in enumerate(texts)], "test", 1)


@pytest.fixture(scope="module")
def detector() -> EmbeddingRephraseDetector:
    return EmbeddingRephraseDetector()  # the packaged MiniLM, offline


@pytest.fixture(scope="module")
def turns():
    return turns_table(
        [
            conversation(
                "a",
                "How do I reverse a list in Python?",
                "Use sorted(my_list).",
                "How can I reverse a Python list?",
                "Use my_list[::-1].",
                "Now how do I read a CSV file with pandas?",
            ),
        ]
    )


def test_silent_rephrase_fires_and_names_the_earlier_turn(detector, turns):
    out = detector(turns)
    assert out["label"][1] == "rephrase"
    assert "with user turn 0" in out["evidence"][1]
    assert 0.6 <= out["confidence"][1] <= 0.95


def test_new_request_and_first_turn_do_not_fire(detector, turns):
    out = detector(turns)
    assert out["label"][0] is None and out["label"][2] is None


def test_only_turns_with_earlier_requests_are_encoded(detector, turns):
    before = detector.embedder.requested
    detector(turns.filter(turns["turn"] == 0))
    assert detector.embedder.requested == before


def test_similarity_points_at_the_closest_earlier_turn(detector):
    turns = turns_table(
        [conversation("b", "What is the weather in Paris?", "Sunny.", "Tell me a joke", "Why did...", "What's the weather like in Paris?")]
    )
    sim = rephrase_similarity(detector.embedder, turns)
    assert sim.best_turn.tolist() == [-1, 0, 0]
    assert sim.max_cosine[2] > 0.85 > sim.max_cosine[1]


@pytest.mark.parametrize("threshold", [0.0, 1.0, 1.5])
def test_threshold_outside_zero_one_is_refused(detector, threshold):
    with pytest.raises(ValueError, match="rephrase threshold must be a cosine in"):
        EmbeddingRephraseDetector(embedder=detector.embedder, threshold=threshold)

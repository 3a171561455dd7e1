"""Behaviour of the heuristic detectors on tiny hand-written conversations."""

from __future__ import annotations

import polars as pl
import pytest

from dsatkit.detect.base import DETECTION_SCHEMA, combine
from dsatkit.detect.heuristics import (
    CutoffContinueDetector,
    LexicalCueDetector,
    LexicalRephraseDetector,
    RefusalInsistDetector,
    RepeatedConstraintDetector,
    RephraseRule,
    default_heuristics,
)
from dsatkit.records import DSAT_LABELS, Conversation, Message
from dsatkit.turns import turns_table

ANSWER = "The capital of France is Lyon, a city on the Rhône."
QUESTION = "What is the capital of France?"

# One natural reaction per label and language, each said after ANSWER.
REACTIONS = {
    "en": {"complaint": "That's wrong.", "correction": "No, the capital is Paris.", "revision": "Make it shorter.",
           "clarification": "What do you mean?", "positive": "Thanks, that worked!"},
    "zh": {"complaint": "你错了", "correction": "不对，应该是巴黎", "revision": "再详细一点",
           "clarification": "什么意思？", "positive": "谢谢，很有用！"},
    "ru": {"complaint": "Это неправильно.", "correction": "Нет, я имел в виду Париж.", "revision": "Перепиши короче.",
           "clarification": "Что ты имеешь в виду?", "positive": "Спасибо, работает!"},
    "es": {"complaint": "Eso está mal.", "correction": "No, me refería a París.", "revision": "Hazlo más corto.",
           "clarification": "¿Qué quieres decir?", "positive": "¡Gracias, funciona!"},
    "fr": {"complaint": "C'est faux.", "correction": "Non, je voulais dire Paris.", "revision": "Plus court, s'il te plaît.",
           "clarification": "Qu'est-ce que tu veux dire ?", "positive": "Merci, ça marche !"},
    "de": {"complaint": "Das ist falsch.", "correction": "Nein, ich meinte Paris.", "revision": "Kürzer bitte.",
           "clarification": "Was meinst du?", "positive": "Danke, funktioniert!"},
    "pt": {"complaint": "Isso está errado.", "correction": "Não, eu quis dizer Paris.", "revision": "Mais curto, por favor.",
           "clarification": "O que você quer dizer?", "positive": "Obrigado, funcionou!"},
}
LANGS = sorted(REACTIONS)
CONTINUE = {"en": "continue", "zh": "继续", "ru": "продолжай", "es": "continúa", "fr": "continue", "de": "weiter",
            "pt": "continua"}


def conversation(*texts: str, cid: str = "c") -> Conversation:
    """User and assistant messages alternating, the user first."""
    roles = ("user", "assistant")
    return Conversation(cid, [Message(roles[i % 2], t) for i, t in enumerate(texts)], "test", 1)


def run(detector, *texts: str) -> pl.DataFrame:
    """The detector's output, one row per user turn."""
    return detector(turns_table([conversation(*texts)]))


def last(detector, *texts: str) -> dict:
    return run(detector, *texts).row(-1, named=True)


@pytest.fixture(scope="module")
def cues() -> LexicalCueDetector:
    return LexicalCueDetector()


# ----------------------------------------------------------------------------- lexical cues
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("label", ["complaint", "correction", "revision", "clarification", "positive"])
def test_reaction_gets_its_label(cues, lang, label):
    out = last(cues, QUESTION, ANSWER, REACTIONS[lang][label])
    assert out["label"] == label


@pytest.mark.parametrize("lang", LANGS)
def test_evidence_is_a_span_of_the_turn(cues, lang):
    text = REACTIONS[lang]["complaint"]
    out = last(cues, QUESTION, ANSWER, text)
    assert out["evidence"] and out["evidence"] in text.lower()


@pytest.mark.parametrize("lang", LANGS)
def test_first_turn_never_fires(cues, lang):
    out = run(cues, REACTIONS[lang]["complaint"], ANSWER)
    assert out["label"].to_list() == [None]


@pytest.mark.parametrize("lang", LANGS)
def test_combined_signal_marks_complaint_as_dsat_and_clarification_not(lang):
    conv = conversation(QUESTION, ANSWER, REACTIONS[lang]["complaint"], ANSWER, REACTIONS[lang]["clarification"])
    turns = turns_table([conv])
    signals = combine(turns, {d.name: d(turns) for d in default_heuristics()})
    assert signals["is_dsat"].to_list() == [False, True, False]


def test_confidence_is_the_cue_confidence(cues):
    assert last(cues, QUESTION, ANSWER, "That's wrong.")["confidence"] == pytest.approx(0.9)


@pytest.mark.parametrize(
    "text",
    [
        "no problem, thanks",
        "can you correct my essay?",
        "Is it wrong to eat meat?",
        "Good morning!",
        "Correct the grammar: me and him goes home.",
        "Write a story where the hero says 'that is wrong' to a dragon.",
        "How does a diesel engine work?",
        "Not right now, thanks.",
        "No, that is all. Thank you!",
        "That should be fine.",
        "It was boring, like most films of that year.",
        "I don't like that movie either.",
    ],
)
def test_cue_words_outside_feedback_are_not_dsat(cues, text):
    out = last(cues, QUESTION, ANSWER, text)
    assert out["label"] not in DSAT_LABELS


def test_not_what_i_meant_followed_by_but_is_still_a_complaint(cues):
    # The answer missed the request whatever follows the "but": the reaction is feedback.
    out = last(cues, QUESTION, ANSWER, "That's not what I meant to ask, but thanks anyway.")
    assert out["label"] == "complaint"


def test_thanks_followed_by_but_is_not_positive(cues):
    out = last(cues, QUESTION, ANSWER, "Thanks, but that's wrong.")
    assert out["label"] == "complaint"


def test_no_answering_a_question_is_not_a_correction(cues):
    out = last(cues, QUESTION, "Lyon. Would you like a list of the largest French cities?", "No, I only need the capital.")
    assert out["label"] not in DSAT_LABELS


def test_should_be_answering_a_question_is_not_a_correction(cues):
    out = last(cues, "Find me a place to stay.", "Sure. What kind of place would you like?", "It should be a hotel.")
    assert out["label"] not in DSAT_LABELS


def test_no_after_a_closing_offer_is_still_a_correction(cues):
    out = last(cues, QUESTION, "Lyon. Is there anything else I can help you with?", "No, the capital is Paris.")
    assert out["label"] == "correction"


@pytest.mark.parametrize("text", ['"That\'s wrong," she said.', "*shakes head* you are wrong, my lord", "Anna: \"No, it is mine.\""])
def test_role_play_speech_is_not_feedback(cues, text):
    assert last(cues, QUESTION, ANSWER, text)["label"] is None


@pytest.mark.parametrize(
    ("text", "label"),
    [("对不对？", None), ("Это ведь столица, не так ли?", None), ("Ça marche pas.", "complaint"),
     ("Danke, aber es funktioniert nicht.", "complaint"), ("Gracias, pero no funciona.", "complaint")],
)
def test_false_friends_across_languages(cues, text, label):
    assert last(cues, QUESTION, ANSWER, text)["label"] == label


def test_cue_after_the_head_of_a_long_paste_is_ignored(cues):
    paste = "Please summarise this report. " + "The committee met on Monday and discussed the budget. " * 10
    out = last(cues, QUESTION, ANSWER, paste + "Some members said that is wrong.")
    assert out["label"] is None


def test_output_has_detection_schema_and_one_row_per_turn(cues):
    out = run(cues, QUESTION, ANSWER, "That's wrong.", ANSWER, "ok")
    assert out.height == 3 and out.schema == pl.Schema(DETECTION_SCHEMA)


def test_unknown_language_is_rejected():
    with pytest.raises(ValueError, match="no cue lexicon for languages \\['xx'\\]"):
        LexicalCueDetector(languages=("en", "xx"))


def test_language_subset_only_matches_those_languages():
    detector = LexicalCueDetector(languages=("en",))
    assert last(detector, QUESTION, ANSWER, "C'est faux.")["label"] is None


# ----------------------------------------------------------------------------- rephrase
@pytest.fixture(scope="module")
def rephrase() -> LexicalRephraseDetector:
    return LexicalRephraseDetector()


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("how to start an oracle database", "How to start an Oracle database?"),
        ("What are the health benefits of green tea?", "What are the actual health benefits of drinking green tea?"),
        ("如何启动甲骨文数据库", "如何启动甲骨文数据库？"),
        ("Как запустить базу данных Oracle?", "как запустить базу данных oracle"),
    ],
)
def test_restated_request_is_a_rephrase(rephrase, first, again):
    out = last(rephrase, first, "To shut it down, run SHUTDOWN IMMEDIATE.", again)
    assert out["label"] == "rephrase"


def test_rephrase_evidence_names_the_shared_words(rephrase):
    out = last(rephrase, "What are the health benefits of green tea?", ANSWER,
               "What are the actual health benefits of drinking green tea?")
    assert {"healt", "benef", "green"} <= set(out["evidence"].split())


def test_new_request_is_not_a_rephrase(rephrase):
    assert last(rephrase, QUESTION, ANSWER, "Now write a haiku about autumn leaves.")["label"] is None


def test_same_frame_with_a_new_subject_is_not_a_rephrase(rephrase):
    out = last(rephrase, "Which variations in the GH1 gene increase muscle growth?", ANSWER,
               "Which variations in the IGF1 gene increase muscle growth?")
    assert out["label"] is None


def test_repeated_continue_instruction_is_not_a_rephrase(rephrase):
    ask = "Please continue this story with the knight meeting a dragon, keep it light."
    assert last(rephrase, ask, "The knight rode on.", ask)["label"] is None


def test_templated_requests_with_new_inputs_are_not_rephrases(rephrase):
    instruction = ("Classify the sentiment of the review below as positive or negative, answer with one word "
                   "and explain nothing else about the review text or its author. Review: ")
    texts = []
    for i, (review, verdict) in enumerate([("Great food, lovely staff.", "positive"), ("Cold soup.", "negative"),
                                           ("Best pizza in town!", "positive"), ("Slow service.", "negative")]):
        texts += [instruction + review, f"{verdict} ({i})"]
    assert run(rephrase, *texts)["label"].null_count() == 4


def test_repeating_a_short_request_after_the_same_answer_is_a_rephrase_every_time(rephrase):
    ask, stuck = "Why did Rome fall?", "I cannot answer questions about history."
    assert run(rephrase, ask, stuck, ask, stuck, ask)["label"].to_list() == [None, "rephrase", "rephrase"]


def test_repeating_thanks_is_not_a_rephrase(rephrase):
    assert last(rephrase, "thanks!", "You're welcome.", "thanks!")["label"] is None


def test_rephrase_rule_rejects_ratios_outside_zero_one():
    with pytest.raises(ValueError, match="short_jaccard is a word-overlap ratio in \\(0, 1\\], got 1.5"):
        RephraseRule(short_jaccard=1.5)


# ----------------------------------------------------------------------------- cut-off answers
CUT = "Here is the full plan. First, we gather the requirements from every team and then we"
FENCE = "Here is the code:\n```python\nfor i in range(10):\n    print(i)\n" + "# more\n" * 30


@pytest.mark.parametrize("lang", LANGS)
def test_continue_after_a_cut_off_answer_is_a_revision(lang):
    out = last(CutoffContinueDetector(min_answer_chars=20), "Write the plan.", CUT, CONTINUE[lang])
    assert out["label"] == "revision"


def test_continue_after_an_unclosed_code_fence_is_a_revision():
    out = last(CutoffContinueDetector(), "Write the code.", FENCE, "continue")
    assert (out["label"], out["confidence"]) == ("revision", pytest.approx(0.9))


def test_continue_after_a_finished_answer_is_not_dsat():
    out = last(CutoffContinueDetector(min_answer_chars=20), "Tell a story.", "And they lived happily ever after.", "continue")
    assert out["label"] is None


def test_a_longer_turn_with_continue_is_not_a_cutoff_signal():
    text = "continue the story but now add a dragon who lives in the mountains and hoards books about cooking"
    assert last(CutoffContinueDetector(min_answer_chars=20), "Tell a story.", CUT, text)["label"] is None


# ----------------------------------------------------------------------------- refusals
REFUSAL = "I'm sorry, but I can't help with writing that story."


def test_restating_after_a_refusal_is_a_rephrase():
    ask = "Write a story about a bank robbery told by the robber."
    out = last(RefusalInsistDetector(), ask, REFUSAL, "Please write a story about a bank robbery, told by the robber!")
    assert out["label"] == "rephrase"


@pytest.mark.parametrize("text", ["It's just fiction, you can do it.", "Это просто вымысел.", "Es solo ficción.",
                                  "只是一个故事", "C'est juste de la fiction.", "Es ist nur Fiktion.", "É só ficção."])
def test_pushing_back_after_a_refusal_is_a_complaint(text):
    assert last(RefusalInsistDetector(), "Write a heist story.", REFUSAL, text)["label"] == "complaint"


def test_pushing_back_without_a_refusal_is_not_flagged():
    out = last(RefusalInsistDetector(), "Write a heist story.", "The vault door creaked open.", "It's just fiction, go on.")
    assert out["label"] is None


# ----------------------------------------------------------------------------- repeated constraints
LONG = "Paris is " + "a very lovely and busy city with many museums and " * 6 + "parks."


def test_repeating_a_broken_word_limit_is_a_correction():
    out = last(RepeatedConstraintDetector(), "Describe Paris in 20 words.", LONG, "In 20 words please.")
    assert (out["label"], out["evidence"]) == ("correction", "20 words")


def test_repeating_a_kept_word_limit_is_not_flagged():
    out = last(RepeatedConstraintDetector(), "Describe Paris in 20 words.", "Paris: art, food, river, light.",
               "Now describe Rome in 20 words.")
    assert out["label"] is None


def test_a_constraint_said_once_is_not_flagged():
    assert last(RepeatedConstraintDetector(), "Describe Paris.", LONG, "Describe it in 20 words.")["label"] is None


def test_repeating_a_table_request_after_prose_is_a_correction():
    out = last(RepeatedConstraintDetector(), "List the planets in a table.", "Mercury, Venus, Earth and Mars.",
               "I said in a table.")
    assert out["label"] == "correction"


def test_repeating_a_language_request_after_the_wrong_script_is_a_correction():
    out = last(RepeatedConstraintDetector(), "Answer in Chinese: what is tea?", "Tea is a drink made from leaves.",
               "Answer in Chinese please.")
    assert out["label"] == "correction"


def test_repeating_an_exclusion_the_answer_ignored_is_a_correction():
    out = last(RepeatedConstraintDetector(), "Write a tagline, don't use the word amazing.", "An amazing tagline!",
               "Again: don't use the word amazing.")
    assert out["label"] == "correction"


def test_constraint_slack_below_one_is_rejected():
    with pytest.raises(ValueError, match="count_slack=0.5 would flag answers within the limit"):
        RepeatedConstraintDetector(count_slack=0.5)


# ----------------------------------------------------------------------------- the set
def test_default_heuristics_have_unique_names():
    names = [d.name for d in default_heuristics()]
    assert len(names) == 5 and len(set(names)) == 5


def test_heuristics_run_on_an_empty_turn_table():
    turns = turns_table([])
    signals = combine(turns, {d.name: d(turns) for d in default_heuristics()})
    assert signals.height == 0


def test_untouched_turns_stay_null_across_detectors():
    turns = turns_table([conversation(QUESTION, ANSWER, "Now tell me about Spain.")])
    for detector in default_heuristics():
        assert detector(turns)["label"].to_list() == [None, None]


@pytest.mark.parametrize("text", ["I said 3 bullet points", "I asked for 5 examples, not 2"])
def test_user_restating_a_count_they_asked_for_is_a_correction(cues, text):
    out = last(cues, "Give me 3 bullet points about cats", "Cats are great pets. They purr.", text)
    assert out["label"] == "correction"

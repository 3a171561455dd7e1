"""The judge against a scripted OpenAI-compatible server on 127.0.0.1."""

import json
import logging

import polars as pl
import pytest
from judge_fakes import SECRET_KEY, USAGE, Reply, conversation, good, judged_turns, user_turn

from dsatkit.judge import RESULT_SCHEMA, Judge, JudgeEndpointError
from dsatkit.turns import turns_table


def test_labels_come_back_from_plain_and_fenced_json(fake_openai, http_config):
    fenced = "```json\n" + json.dumps({"label": "correction", "confidence": 0.8, "evidence": "it is 56"}) + "\n```"
    fake_openai.script = lambda body, n: (
        Reply(content=fenced) if "56" in user_turn(body) else good("complaint", 0.9, "wrong")
    )
    result = Judge(http_config()).judge_turns(judged_turns("That is wrong.", "No, it is 56."))
    assert result.schema == pl.Schema(RESULT_SCHEMA)
    assert result.select("label", "confidence", "evidence").rows() == [
        ("complaint", 0.9, "wrong"),
        ("correction", 0.8, "it is 56"),
    ]
    assert result["error"].to_list() == [None, None]


def test_request_carries_model_rubric_turn_and_greedy_sampling(fake_openai, http_config):
    Judge(http_config()).judge_turns(judged_turns("That is wrong."))
    body = fake_openai.bodies[0]
    assert body["model"] == "judge-test"
    assert body["temperature"] == 0.0
    assert body["response_format"] == {"type": "json_object"}
    assert '"rephrase"' in body["messages"][0]["content"]
    assert user_turn(body) == "That is wrong."
    assert fake_openai.auth_headers[0] == f"Bearer {SECRET_KEY}"


def test_rate_limit_is_retried_then_succeeds(fake_openai, http_config):
    fake_openai.script = lambda body, n: Reply(status=429, headers={"retry-after-ms": "1"}) if n == 0 else good()
    judge = Judge(http_config(max_retries=3))
    result = judge.judge_turns(judged_turns("That is wrong."))
    assert result["label"].to_list() == ["complaint"]
    stats = judge.stats()
    assert (fake_openai.requests, stats["attempts"], stats["retries"], stats["failed"]) == (2, 2, 1, 0)


def test_server_error_forever_is_counted_not_raised(fake_openai, http_config):
    fake_openai.script = lambda body, n: Reply(status=500)
    judge = Judge(http_config(max_retries=2))
    result = judge.judge_turns(judged_turns("That is wrong."))
    assert result.row(0, named=True) | {"cached": None} == {
        "label": None, "confidence": None, "evidence": None, "error": "server_error", "cached": None,
    }
    assert fake_openai.requests == 3  # one try and two retries
    assert judge.stats()["failures"] == {"server_error": 1}


def test_slow_answer_times_out_and_is_counted(fake_openai, http_config):
    fake_openai.script = lambda body, n: Reply(content=good().content, delay_s=1.5)
    judge = Judge(http_config(timeout_s=0.2, max_retries=1))
    result = judge.judge_turns(judged_turns("That is wrong."))
    assert result["error"].to_list() == ["timeout"]
    assert judge.stats()["failures"] == {"timeout": 1}
    assert judge.stats()["attempts"] == 2


def test_garbage_answer_is_counted_as_unparseable(fake_openai, http_config):
    fake_openai.script = lambda body, n: Reply(content="The user seems somewhat unhappy, I would say.")
    judge = Judge(http_config())
    result = judge.judge_turns(judged_turns("That is wrong."))
    assert result["error"].to_list() == ["unparseable"]
    stats = judge.stats()
    assert (stats["failures"], stats["unparseable_by_reason"]) == ({"unparseable": 1}, {"no_json": 1})
    assert stats["prompt_tokens"] == USAGE["prompt_tokens"]  # paid for even if useless


def test_mixed_outcomes_keep_row_order(fake_openai, http_config):
    def script(body, n):
        turn = user_turn(body)
        if turn == "garbage":
            return Reply(content="no idea")
        if turn == "broken":
            return Reply(status=503)
        return good("positive", 0.95, "Thanks")

    fake_openai.script = script
    turns = judged_turns("Thanks!", "garbage", "broken", "Thanks a lot")
    result = Judge(http_config(max_retries=0)).judge_turns(turns)
    assert result["label"].to_list() == ["positive", None, None, "positive"]
    assert result["error"].to_list() == [None, "unparseable", "server_error", None]


def test_rerun_is_served_from_the_cache_without_http(fake_openai, http_config):
    turns = judged_turns("That is wrong.", "No, it is 56.", "Thanks!")
    first = Judge(http_config()).judge_turns(turns)
    paid = fake_openai.requests
    judge = Judge(http_config())  # a new run, same cache folder
    second = judge.judge_turns(turns)
    assert fake_openai.requests == paid == 3
    assert second.drop("cached").equals(first.drop("cached"))
    assert second["cached"].to_list() == [True, True, True]
    stats = judge.stats()
    assert (stats["cache_hits"], stats["calls"], stats["prompt_tokens"]) == (3, 0, 0)
    assert stats["cached_prompt_tokens"] == 3 * USAGE["prompt_tokens"]


def test_failed_requests_are_not_cached(fake_openai, http_config):
    fake_openai.script = lambda body, n: Reply(status=500) if n == 0 else good()
    turns = judged_turns("That is wrong.")
    Judge(http_config(max_retries=0)).judge_turns(turns)
    result = Judge(http_config(max_retries=0)).judge_turns(turns)
    assert result["label"].to_list() == ["complaint"]
    assert fake_openai.requests == 2


def test_no_cache_option_asks_again(fake_openai, http_config):
    turns = judged_turns("That is wrong.")
    Judge(http_config(use_cache=False)).judge_turns(turns)
    Judge(http_config(use_cache=False)).judge_turns(turns)
    assert fake_openai.requests == 2


def test_budget_caps_calls(fake_openai, http_config):
    judge = Judge(http_config(budget=2))
    result = judge.judge_turns(judged_turns("a", "b", "c", "d"))
    assert fake_openai.requests == 2
    assert result["error"].to_list() == [None, None, "over_budget", "over_budget"]
    assert (judge.stats()["budget_used"], judge.stats()["over_budget"]) == (2, 2)


def test_budget_holds_across_batches(fake_openai, http_config):
    judge = Judge(http_config(budget=3))
    judge.judge_turns(judged_turns("a", "b"))
    second = judge.judge_turns(judged_turns("c", "d"))
    assert fake_openai.requests == 3
    assert second["error"].to_list() == [None, "over_budget"]


def test_budget_counts_cache_hits_so_reruns_judge_the_same_turns(fake_openai, http_config):
    turns = judged_turns("a", "b", "c")
    first = Judge(http_config(budget=2)).judge_turns(turns)
    second = Judge(http_config(budget=2)).judge_turns(turns)
    assert second["error"].to_list() == first["error"].to_list() == [None, None, "over_budget"]
    assert fake_openai.requests == 2


def test_token_counts_are_summed(fake_openai, http_config):
    judge = Judge(http_config())
    judge.judge_turns(judged_turns("a", "b", "c"))
    stats = judge.stats()
    assert (stats["prompt_tokens"], stats["completion_tokens"], stats["total_tokens"]) == (33, 21, 54)
    assert stats["calls"] == 3


def test_first_turn_is_neutral_without_a_call(fake_openai, http_config):
    turns = turns_table([conversation("c", ("Hi", "Hello!"), ("Thanks", "You're welcome"))])
    judge = Judge(http_config())
    result = judge.judge_turns(turns)
    assert result.row(0) == ("neutral", 1.0, "", None, False)
    assert fake_openai.requests == 1  # only turn 1
    assert judge.stats()["no_answer"] == 1


def test_identical_turns_share_one_call(fake_openai, http_config):
    judge = Judge(http_config())
    result = judge.judge_turns(judged_turns("That is wrong.", "That is wrong."))
    assert fake_openai.requests == 1
    assert result["label"].to_list() == ["complaint", "complaint"]
    assert judge.stats()["duplicates"] == 1


def test_concurrency_stays_within_the_bound(fake_openai, http_config):
    fake_openai.script = lambda body, n: Reply(content=good().content, delay_s=0.05)
    Judge(http_config(max_concurrency=2)).judge_turns(judged_turns(*[f"turn {i}" for i in range(8)]))
    assert fake_openai.requests == 8
    assert fake_openai.max_in_flight <= 2


def test_server_without_json_mode_gets_a_plain_request(fake_openai, http_config):
    fake_openai.script = lambda body, n: (
        Reply(status=400, error="unknown field response_format") if "response_format" in body else good()
    )
    judge = Judge(http_config())
    result = judge.judge_turns(judged_turns("a", "b", "c"))
    assert result["label"].to_list() == ["complaint"] * 3
    stats = judge.stats()
    assert (stats["json_mode"], stats["json_mode_fallbacks"], stats["failed"]) == ("off", 1, 0)


def test_other_bad_request_is_counted_not_retried(fake_openai, http_config):
    fake_openai.script = lambda body, n: Reply(status=400, error="context length exceeded")
    judge = Judge(http_config(max_retries=3))
    result = judge.judge_turns(judged_turns("a"))
    assert result["error"].to_list() == ["bad_request"]
    assert fake_openai.requests == 1
    assert (judge.stats()["json_mode"], judge.stats()["json_mode_fallbacks"]) == ("on", 0)


@pytest.mark.parametrize(("status", "hint"), [(401, "refused the API key"), (404, "check --judge-model")])
def test_endpoint_that_refuses_everything_stops_the_run(fake_openai, http_config, status, hint):
    fake_openai.script = lambda body, n: Reply(status=status)
    with pytest.raises(JudgeEndpointError, match=hint) as info:
        Judge(http_config()).judge_turns(judged_turns("a", "b"))
    assert SECRET_KEY not in str(info.value)


def test_api_key_never_appears_in_stats_or_logs(fake_openai, http_config, caplog):
    def script(body, n):
        return Reply(status=500) if user_turn(body) == "fail" else Reply(content="not json")

    caplog.set_level(logging.DEBUG)  # every logger, openai's and httpx's included
    judge = Judge(http_config(max_retries=1))
    judge.judge_turns(judged_turns("fail", "ok"))
    fake_openai.script = script
    judge.judge_turns(judged_turns("fail", "garbage"))
    assert caplog.records, "the failures should have been logged"
    logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert SECRET_KEY not in logged
    assert SECRET_KEY not in json.dumps(judge.stats())
    assert SECRET_KEY not in repr(judge.config)
    assert fake_openai.auth_headers[-1] == f"Bearer {SECRET_KEY}"  # it was used, only never shown


def test_missing_columns_are_named(http_config):
    with pytest.raises(ValueError, match="missing prev_answer, found text"):
        Judge(http_config()).judge_turns(pl.DataFrame({"text": ["a"]}))


def test_unreachable_endpoint_is_counted_as_connection_failure(http_config):
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    judge = Judge(http_config(base_url=f"http://127.0.0.1:{port}/v1", max_retries=1))
    result = judge.judge_turns(judged_turns("a"))
    assert result["error"].to_list() == ["connection"]
    assert judge.stats()["attempts"] == 2


def test_server_that_wants_max_completion_tokens_gets_it(fake_openai, http_config):
    refusal = "Unsupported parameter: 'max_tokens'. Use 'max_completion_tokens' instead."
    fake_openai.script = lambda body, n: Reply(status=400, error=refusal) if "max_tokens" in body else good()
    judge = Judge(http_config())
    result = judge.judge_turns(judged_turns("a", "b"))
    assert result["label"].to_list() == ["complaint", "complaint"]
    assert fake_openai.bodies[-1]["max_completion_tokens"] == 256
    assert judge.stats()["json_mode"] == "on"  # the refusal did not name response_format


@pytest.mark.parametrize(
    ("evidence", "expected", "grounded"),
    [
        ("is WRONG", "is WRONG", True),  # case and spacing may differ
        ('"That is wrong."', "That is wrong", True),  # quotes and full stop around the quote
        ("", "", True),
        ("the user is upset", "That is wrong.", False),  # not in the turn: the turn itself stands in
    ],
)
def test_evidence_must_quote_the_turn(evidence, expected, grounded):
    from dsatkit.judge.judge import grounded_evidence

    assert grounded_evidence(evidence, "That is wrong.") == (expected, grounded)


def test_invented_evidence_is_replaced_and_counted(fake_openai, http_config):
    fake_openai.script = lambda body, n: good("complaint", 0.9, "the user is clearly upset")
    judge = Judge(http_config())
    result = judge.judge_turns(judged_turns("That is wrong."))
    assert result["evidence"].to_list() == ["That is wrong."]
    assert judge.stats()["evidence_not_in_turn"] == 1

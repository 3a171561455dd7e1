"""The transformers backend with a tiny random Llama: plumbing and failure handling, not quality."""

import pytest
from judge_fakes import judged_turns

from dsatkit.judge import Judge, JudgeConfig, JudgeConfigError

pytest.importorskip("transformers")

CHAT_TEMPLATE = (
    "{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<s>assistant:{% endif %}"
)
# No label word in the vocabulary: the random model cannot stumble on a valid bare label.
SENTENCES = ["the user said that was wrong", "please make it shorter", "what is seven times eight", "hello there"]


def tiny_model_dir(tmp_path, max_positions: int = 2048, chat_template: str | None = CHAT_TEMPLATE):
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(SENTENCES, trainers.WordLevelTrainer(special_tokens=["<unk>", "<pad>", "<s>", "</s>"]))
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw, unk_token="<unk>", pad_token="<pad>", bos_token="<s>", eos_token="</s>"
    )
    tokenizer.chat_template = chat_template
    torch.manual_seed(3)  # weights that write words rather than stop at once, so decoding is exercised
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    path = tmp_path / "tiny-judge"
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def local_config(path, tmp_path, **overrides) -> JudgeConfig:
    options = {
        "backend": "transformers",
        "model": str(path),
        "device": "cpu",
        "max_tokens": 8,
        "batch_size": 2,
        "cache_dir": str(tmp_path / "judge-cache"),
        "progress": False,
    }
    return JudgeConfig(**(options | overrides))


def test_garbage_from_a_local_model_is_counted_unparseable(tmp_path):
    judge = Judge(local_config(tiny_model_dir(tmp_path), tmp_path))
    result = judge.judge_turns(judged_turns("That is wrong.", "Make it shorter.", "Thanks!"))
    assert result["error"].to_list() == ["unparseable"] * 3
    assert result["label"].null_count() == 3
    stats = judge.stats()
    assert stats["failures"] == {"unparseable": 3}
    assert (stats["backend"], stats["calls"]) == ("transformers", 3)
    assert stats["prompt_tokens"] > 0
    assert 3 < stats["completion_tokens"] <= 3 * 8  # words were generated, within max_tokens
    assert stats["unparseable_by_reason"] == {"no_json": 3}


def test_local_answers_are_cached_too(tmp_path):
    path = tiny_model_dir(tmp_path)
    turns = judged_turns("That is wrong.", "Thanks!")
    Judge(local_config(path, tmp_path)).judge_turns(turns)
    judge = Judge(local_config(path, tmp_path))
    judge.judge_turns(turns)
    assert (judge.stats()["cache_hits"], judge.stats()["calls"]) == (2, 0)


def test_prompt_longer_than_the_model_is_counted_not_crashed(tmp_path):
    judge = Judge(local_config(tiny_model_dir(tmp_path, max_positions=64), tmp_path))
    result = judge.judge_turns(judged_turns("That is wrong."))
    assert result["error"].to_list() == ["prompt_too_long"]


def test_model_without_chat_template_is_refused_at_once(tmp_path):
    path = tiny_model_dir(tmp_path, chat_template=None)
    with pytest.raises(JudgeConfigError, match="has no chat template: use an instruct/chat model"):
        Judge(local_config(path, tmp_path))


def test_template_without_system_role_gets_the_rubric_in_the_user_turn(tmp_path):
    strict = (
        "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
        "{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}"
    )
    judge = Judge(local_config(tiny_model_dir(tmp_path, chat_template=strict), tmp_path))
    result = judge.judge_turns(judged_turns("That is wrong."))
    assert result["error"].to_list() == ["unparseable"]  # generated, then failed to parse: no template error

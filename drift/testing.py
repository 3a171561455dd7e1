"""A tiny chat model and hand-written anchors, built offline, for tests and docs examples.

`build_tiny_chat_model(path)` trains a byte-level BPE tokenizer on the sentences below, wraps it with a chat
template, builds a ~200k-parameter Llama from a config and teaches it the chat format with a few hundred
optimizer steps, so that its samples end with the end-of-turn token like a real instruct model's do. Nothing is
downloaded.
"""

from __future__ import annotations

from pathlib import Path

# Short question/answer exchanges, written for these tests. The tiny model learns the chat format from them.
_EXCHANGES: tuple[tuple[str, str], ...] = (
    ("What is the capital of France?", "The capital of France is Paris."),
    ("What is the capital of Italy?", "The capital of Italy is Rome."),
    ("Name a primary colour.", "Red is a primary colour."),
    ("How many legs does a cat have?", "A cat has four legs."),
    ("How many days are in a week?", "A week has seven days."),
    ("What do bees make?", "Bees make honey."),
    ("What is two plus two?", "Two plus two is four."),
    ("Which planet is closest to the sun?", "Mercury is closest to the sun."),
    ("What colour is the sky on a clear day?", "The sky is blue on a clear day."),
    ("Give me a word that rhymes with cat.", "Hat rhymes with cat."),
    ("What is water made of?", "Water is made of hydrogen and oxygen."),
    ("Write a short greeting.", "Hello, it is nice to meet you."),
    ("Summarise the story of the three bears.", "A girl visits the house of three bears and tries their food."),
    ("How do I boil an egg?", "Put the egg in boiling water for eight minutes."),
    ("Translate hello to French.", "Hello in French is bonjour."),
    ("What is the opposite of hot?", "The opposite of hot is cold."),
)

# Follow-ups a dissatisfied user writes; the tokenizer and the model see them so that anchors tokenize sensibly.
_FEEDBACK: tuple[str, ...] = (
    "No, that is wrong. Please answer again.",
    "That is not what I asked, try again.",
    "Too long, give me one short sentence.",
    "You missed the point, the answer should be a number.",
    "Please be more precise.",
)

SYSTEM_PROMPT = "You are a helpful assistant."

# A compact chat template: special role tokens, one end-of-turn token that is also the EOS token.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"
)

SPECIAL_TOKENS = ("<pad>", "<s>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>")


def tiny_anchor_rows() -> list[dict]:
    """Hand-written anchors in the SPEC section 4 shape: 8 DSAT turns, the first 4 with a natural SAT answer."""
    wrong = {
        "What is the capital of France?": "The capital of France is Rome.",
        "How many legs does a cat have?": "A cat has seven days.",
        "What do bees make?": "Bees make hydrogen and oxygen.",
        "What is two plus two?": "Two plus two is cold.",
        "Which planet is closest to the sun?": "The sky is blue on a clear day.",
        "Translate hello to French.": "Hello in French is hat.",
        "What is the opposite of hot?": "The opposite of hot is Paris.",
        "How do I boil an egg?": "Red is a primary colour.",
    }
    right = dict(_EXCHANGES)
    rows = []
    for i, (question, bad) in enumerate(wrong.items()):
        prompt = [{"role": "user", "content": question}]
        if i % 2 == 1:
            prompt = [{"role": "system", "content": SYSTEM_PROMPT}, *prompt]
        rows.append(
            {
                "id": f"anchor-{i:02d}",
                "conversation_id": f"conv-{i:02d}",
                "source": "drift.testing",
                "turn": 1,
                "prompt": prompt,
                "rejected": [{"role": "assistant", "content": bad}],
                "feedback": {"role": "user", "content": _FEEDBACK[i % len(_FEEDBACK)]},
                "chosen": [{"role": "assistant", "content": right[question]}] if i < 4 else None,
                "label": "correction" if i % 2 == 0 else "complaint",
                "confidence": 0.9,
                "language": "en",
            }
        )
    return rows


def _training_texts() -> list[str]:
    texts = [f"{q} {a}" for q, a in _EXCHANGES]
    texts += list(_FEEDBACK)
    texts.append(SYSTEM_PROMPT)
    texts.append("Based on the feedback, write an improved answer that fixes what the user pointed out.")
    return texts


def build_tiny_tokenizer():
    """A byte-level BPE tokenizer trained on the sentences above, with a chat template and left padding."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_training_texts(), trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="<|end|>",
        pad_token="<pad>",
        padding_side="left",
        additional_special_tokens=["<|system|>", "<|user|>", "<|assistant|>"],
    )
    wrapped.chat_template = CHAT_TEMPLATE
    return wrapped


def build_tiny_chat_model(path: str | Path, *, seed: int = 0, pretrain_steps: int = 150) -> Path:
    """Write a tiny Llama chat model and its tokenizer to `path` and return the path.

    The model is taught the chat format for `pretrain_steps` steps so that it stops with `<|end|>`; with
    `pretrain_steps=0` it is left random.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    path = Path(path)
    tokenizer = build_tiny_tokenizer()
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=False,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    if pretrain_steps:
        _teach_chat_format(model, tokenizer, pretrain_steps)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _teach_chat_format(model, tokenizer, steps: int) -> None:
    import torch

    conversations = []
    for i, (question, answer) in enumerate(_EXCHANGES):
        messages = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        if i % 2:
            messages.insert(0, {"role": "system", "content": SYSTEM_PROMPT})
        conversations.append(messages)
        # Multi-turn shape of an anchor: answer, feedback, better answer.
        feedback = _FEEDBACK[i % len(_FEEDBACK)]
        conversations.append(
            [*messages, {"role": "user", "content": feedback}, {"role": "assistant", "content": answer}]
        )
    texts = [tokenizer.apply_chat_template(c, tokenize=False) for c in conversations]
    batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        loss = model(**batch, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()


# Options that make a tiny run finish in seconds on CPU: short samples, plain AdamW with a learning rate a
# 125k-parameter model needs to move in a few steps, no checkpointing overhead, no trackers.
FAST_OPTIONS: dict = {
    "learning_rate": 1e-3,
    "optim": "adamw_torch",
    "warmup_steps": 0,
    "per_device_train_batch_size": 2,
    "max_new_tokens": 24,
    "generation_batch_size": 4,
    "activation_checkpointing": False,
    "max_length": 256,
    "max_prompt_length": 128,
    "report_to": "none",
    "logging_steps": 1,
    "disable_tqdm": True,
    "dataloader_pin_memory": False,
    "seed": 0,
}


def fast_cli_args() -> list[str]:
    """FAST_OPTIONS as `drift fit` command-line arguments."""
    args: list[str] = []
    for key, value in FAST_OPTIONS.items():
        args += [f"--{key}", str(value)]
    return args


def write_extract_folder(out: str | Path, train_rows: list[dict], test_rows: list[dict] | None = None) -> Path:
    """Write anchors the way `dsatkit extract` lays them out: OUT/anchors/{split}-0000i-of-0000n.parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(out) / "anchors"
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in (("train", train_rows), ("test", test_rows)):
        if rows is not None:
            pq.write_table(pa.Table.from_pylist(rows), folder / f"{split}-00000-of-00001.parquet")
    return Path(out)


def cached_tiny_chat_model(root: str | Path) -> Path:
    """Build the tiny chat model under `root` once; later calls (any test module) reuse it."""
    path = Path(root) / "tiny-chat-model"
    if not (path / "config.json").is_file():
        build_tiny_chat_model(path)
    return path


def build_tiny_reward_model(path: str | Path, *, seed: int = 0) -> Path:
    """A random tiny Llama sequence classifier with the tiny tokenizer: ranks samples, deterministically."""
    import torch
    from transformers import LlamaConfig, LlamaForSequenceClassification

    path = Path(path)
    tokenizer = build_tiny_tokenizer()
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        num_labels=1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    LlamaForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path

"""Generation backends: batched `transformers` generate, vLLM, or an OpenAI-compatible endpoint.

A backend turns prompts into samples; each sample records whether the model stopped on its own (`finished`) or
hit the token limit, so the guards can drop cut-off answers. Backends are built per iteration from the current
policy's folder and closed before training, so the GPU holds one model at a time.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass

from drift.config import DriftConfig
from drift.errors import DriftError, require


@dataclass(slots=True)
class Request:
    messages: list[dict]  # for endpoints, which apply their own chat template
    ids: list[int]  # the same prompt rendered with the policy's chat template, within the token budget


@dataclass(slots=True)
class Sample:
    text: str
    finished: bool  # False: cut off at max_new_tokens
    tokens: int = 0  # new tokens generated


def make_backend(config: DriftConfig, model_path: str, tokenizer, device=None):
    """The backend `config.backend` names, ready to sample from the policy at `model_path`."""
    if config.backend == "vllm":
        return VLLMBackend(config, model_path)
    if config.backend == "openai":
        return OpenAIBackend(config, model_path, tokenizer)
    return TransformersBackend(config, model_path, tokenizer, device)


def _free_accelerator_memory() -> None:
    """Return a dropped model's GPU memory now; on CPU, reference counting already freed it (a full
    collection costs ~0.3 s in a process that imported transformers)."""
    import torch

    if torch.cuda.is_available():
        gc.collect()
        torch.cuda.empty_cache()


def load_policy(model_path: str, config: DriftConfig, device=None):
    """The policy for inference, in bf16/fp16 when training uses it, on `device` (default: the first GPU or CPU)."""
    import torch
    from transformers import AutoModelForCausalLM

    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if config.bf16 else torch.float16 if config.fp16 else torch.float32
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype, trust_remote_code=config.trust_remote_code)
    return model.to(device).eval()


class TransformersBackend:
    """Batched `model.generate` with left padding; one seed per batch, so a resumed run samples the same text."""

    name = "transformers"

    def __init__(self, config: DriftConfig, model_path: str, tokenizer, device=None):
        self.config = config
        self.tokenizer = tokenizer
        self.model = load_policy(model_path, config, device)
        stop = {tokenizer.eos_token_id}
        configured = self.model.generation_config.eos_token_id
        stop.update(configured if isinstance(configured, list) else [configured])
        self.stop_ids = sorted(i for i in stop if i is not None)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.stop_ids[0]

    def generate(self, requests: list[Request], n: int, seed: int) -> list[list[Sample]]:
        import torch

        width = max(len(r.ids) for r in requests)
        input_ids = torch.full((len(requests), width), self.pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(requests), width), dtype=torch.long)
        for row, request in enumerate(requests):
            input_ids[row, width - len(request.ids) :] = torch.tensor(request.ids)
            attention_mask[row, width - len(request.ids) :] = 1
        sampling = (
            {"do_sample": True, "temperature": self.config.temperature, "top_p": self.config.top_p}
            if self.config.temperature > 0
            else {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        )
        torch.manual_seed(seed)
        with torch.inference_mode():
            output = self.model.generate(
                input_ids=input_ids.to(self.model.device),
                attention_mask=attention_mask.to(self.model.device),
                max_new_tokens=self.config.max_new_tokens,
                num_return_sequences=n,
                eos_token_id=self.stop_ids,
                pad_token_id=self.pad_id,
                **sampling,
            )
        new_tokens = output[:, width:].tolist()
        samples = [self._sample(tokens) for tokens in new_tokens]
        return [samples[i * n : (i + 1) * n] for i in range(len(requests))]

    def _sample(self, tokens: list[int]) -> Sample:
        stops = [i for i, t in enumerate(tokens) if t in self.stop_ids]
        end = stops[0] if stops else len(tokens)
        text = self.tokenizer.decode(tokens[:end], skip_special_tokens=True)
        return Sample(text.strip(), finished=bool(stops), tokens=end)

    def close(self) -> None:
        del self.model
        _free_accelerator_memory()


class VLLMBackend:
    """vLLM's offline engine on one GPU, fed our token ids so prompts match the transformers backend's."""

    name = "vllm"

    def __init__(self, config: DriftConfig, model_path: str):
        require("vllm", "--backend vllm", "pip install vllm")
        from vllm import LLM

        self.config = config
        self.llm = LLM(
            model=model_path,
            dtype="bfloat16" if config.bf16 else "float16" if config.fp16 else "auto",
            gpu_memory_utilization=config.vllm_gpu_memory_utilization,
            seed=config.seed,
            trust_remote_code=config.trust_remote_code,
        )

    def generate(self, requests: list[Request], n: int, seed: int) -> list[list[Sample]]:
        from vllm import SamplingParams

        params = [
            SamplingParams(
                n=n,
                temperature=self.config.temperature,
                top_p=self.config.top_p if self.config.temperature > 0 else 1.0,
                max_tokens=self.config.max_new_tokens,
                seed=seed + i,
            )
            for i in range(len(requests))
        ]
        outputs = self.llm.generate([{"prompt_token_ids": r.ids} for r in requests], params, use_tqdm=False)
        return [
            [Sample(c.text.strip(), finished=c.finish_reason != "length", tokens=len(c.token_ids)) for c in o.outputs]
            for o in outputs
        ]

    def close(self) -> None:
        try:  # vLLM keeps a process group and worker state that outlive `del`
            from vllm.distributed.parallel_state import destroy_distributed_environment, destroy_model_parallel

            destroy_model_parallel()
            destroy_distributed_environment()
        except ImportError:
            pass
        del self.llm
        _free_accelerator_memory()


class OpenAIBackend:
    """Chat completions from an OpenAI-compatible server (vLLM, TGI, SGLang, llama.cpp, a hosted API).

    The endpoint must serve the current policy for DRIFT to stay on-policy: with `--api_model` unset the request
    names the policy's folder, which servers that load models by path (or by registered name) resolve.
    """

    name = "openai"

    def __init__(self, config: DriftConfig, model_path: str, tokenizer, client=None):
        self.config = config
        self.tokenizer = tokenizer
        self.model = config.api_model or model_path
        if client is None:
            require("openai", "--backend openai", "pip install 'dsatkit[judge]'")
            from openai import OpenAI

            client = OpenAI(base_url=config.api_base, api_key=os.environ.get(config.api_key_env, "EMPTY"))
        self.client = client

    def _one(self, request: Request, n: int, seed: int) -> list[Sample]:
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=request.messages,
                temperature=self.config.temperature,
                top_p=self.config.top_p,
                max_tokens=self.config.max_new_tokens,
                n=n,
                seed=seed,
            )
        except Exception as exc:  # openai raises APIConnectionError, APIStatusError, ...
            raise DriftError(
                f"endpoint {self.config.api_base} failed for model {self.model!r}: {exc}; check that the server runs "
                "and serves that model (--api_model)"
            ) from exc
        samples = []
        for choice in response.choices:
            text = (choice.message.content or "").strip()
            tokens = len(self.tokenizer(text, add_special_tokens=False)["input_ids"]) if text else 0
            samples.append(Sample(text, finished=choice.finish_reason != "length", tokens=tokens))
        return samples

    def generate(self, requests: list[Request], n: int, seed: int) -> list[list[Sample]]:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=self.config.api_concurrency) as pool:
            return list(pool.map(lambda pair: self._one(pair[1], n, seed + pair[0]), enumerate(requests)))

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if callable(close):
            close()

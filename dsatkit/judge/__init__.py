"""LLM judge over the SPEC section 3 taxonomy (SPUR / WildFeedback style), cached and budgeted.

Heavy clients (openai, transformers) are imported only when a backend is built.
"""

from dsatkit.judge.backends import JudgeCallError, JudgeEndpointError
from dsatkit.judge.config import JudgeConfig, JudgeConfigError
from dsatkit.judge.judge import RESULT_SCHEMA, Judge
from dsatkit.judge.parse import JudgeParseError, Judgement, parse_judgement
from dsatkit.judge.rubric import PROMPT_VERSION, build_messages

__all__ = [
    "PROMPT_VERSION",
    "RESULT_SCHEMA",
    "Judge",
    "JudgeCallError",
    "JudgeConfig",
    "JudgeConfigError",
    "JudgeEndpointError",
    "JudgeParseError",
    "Judgement",
    "build_messages",
    "parse_judgement",
]

"""Test helpers: a scripted OpenAI-compatible server on 127.0.0.1 and tiny hand-written conversations."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import polars as pl

from dsatkit.records import Conversation, Message
from dsatkit.turns import turns_table

SECRET_KEY = "sk-test-0123456789-do-not-log"
USAGE = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}


@dataclass
class Reply:
    status: int = 200
    content: str | None = None
    delay_s: float = 0.0
    error: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)


def good(label: str = "complaint", confidence: float = 0.9, evidence: str = "wrong") -> Reply:
    return Reply(content=json.dumps({"label": label, "confidence": confidence, "evidence": evidence}))


class FakeOpenAI:
    """Answers POST /v1/chat/completions with whatever `script(body, n)` returns (n: 0-based request count)."""

    def __init__(self) -> None:
        self.script: Callable[[dict, int], Reply] = lambda body, n: good()
        self.bodies: list[dict] = []
        self.auth_headers: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    n = len(fake.bodies)
                    fake.bodies.append(body)
                    fake.auth_headers.append(self.headers.get("Authorization", ""))
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    if self.path != "/v1/chat/completions":
                        self._send(404, {"error": {"message": f"no route {self.path}"}})
                        return
                    reply = fake.script(body, n)
                    if reply.delay_s:
                        time.sleep(reply.delay_s)
                    if reply.status != 200:
                        self._send(reply.status, {"error": {"message": reply.error, "type": "test"}}, reply.headers)
                        return
                    self._send(
                        200,
                        {
                            "id": f"chatcmpl-{n}",
                            "object": "chat.completion",
                            "created": 0,
                            "model": body.get("model", ""),
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": reply.content},
                                    "finish_reason": "stop",
                                }
                            ],
                            "usage": USAGE,
                        },
                    )
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _send(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request, client_address) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def requests(self) -> int:
        return len(self.bodies)


def conversation(cid: str, *pairs: tuple[str, str]) -> Conversation:
    """A conversation from (user, assistant) pairs."""
    messages = []
    for user, assistant in pairs:
        messages.append(Message("user", user))
        messages.append(Message("assistant", assistant))
    return Conversation(conversation_id=cid, messages=messages, source="test", line=1)


def judged_turns(*followups: str) -> pl.DataFrame:
    """One conversation per follow-up, keeping only turn 1 (the turn the judge is asked about)."""
    convs = [
        conversation(f"c{i}", ("What is 7 x 8?", "7 x 8 is 54."), (text, "Sorry, it is 56."))
        for i, text in enumerate(followups)
    ]
    return turns_table(convs).filter(pl.col("turn") == 1)


def user_turn(body: dict) -> str:
    """The judged user turn inside a request the judge sent."""
    content = body["messages"][-1]["content"]
    return content.split("User turn to label:\n<<<\n", 1)[1].split("\n>>>", 1)[0]

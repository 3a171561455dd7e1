"""On-disk cache of judge responses, keyed by a hash of everything that determines the answer.

A rerun or a resumed run asks the model nothing it was already asked. SQLite in WAL mode lets many
threads and processes read while one writes; each thread gets its own connection.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

CACHE_FILE = "responses.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    created REAL NOT NULL
)
"""


@dataclass(slots=True, frozen=True)
class Completion:
    """One raw answer of a backend, with what it cost."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


def cache_key(backend: str, model: str, prompt_version: str, messages: list[dict], params: dict) -> str:
    """sha256 over a canonical JSON of the request: same question to the same model, same key."""
    payload = {
        "backend": backend,
        "model": model,
        "prompt_version": prompt_version,
        "messages": messages,
        "params": params,
    }
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


class ResponseCache:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OSError(
                f"cannot create the judge cache folder {self.directory}: {err.strerror}; "
                "pass --judge-cache-dir with a writable folder, or --no-judge-cache"
            ) from err
        self.path = self.directory / CACHE_FILE
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        with self._connection() as conn:
            conn.execute(_SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # A long busy timeout: concurrent writers wait for the lock rather than fail.
            conn = sqlite3.connect(self.path, timeout=60.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def get(self, key: str) -> Completion | None:
        row = self._connection().execute(
            "SELECT text, prompt_tokens, completion_tokens FROM responses WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else Completion(row[0], row[1], row[2])

    def get_many(self, keys: list[str]) -> dict[str, Completion]:
        found: dict[str, Completion] = {}
        conn = self._connection()
        # SQLite caps bound parameters per statement; 500 stays well under every build's limit.
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT key, text, prompt_tokens, completion_tokens FROM responses WHERE key IN ({marks})", chunk
            )
            for key, text, prompt_tokens, completion_tokens in rows:
                found[key] = Completion(text, prompt_tokens, completion_tokens)
        return found

    def put(self, key: str, completion: Completion) -> None:
        conn = self._connection()
        with conn:
            conn.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)",
                (key, completion.text, completion.prompt_tokens, completion.completion_tokens, time.time()),
            )

    def __len__(self) -> int:
        return self._connection().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

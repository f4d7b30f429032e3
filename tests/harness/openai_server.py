"""A scripted OpenAI-compatible server: real HTTP on 127.0.0.1, answering ``/v1/chat/completions``
from a script, so the real ``openai`` client (retries, timeouts, parsing) is what is tested.

A script is a function from the request's JSON body to a ``Reply``; ``Replies`` plays a list of
replies in order, then repeats its last. Every request is kept, for counting calls and checking
what the prompts held.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.llm.tokens import count_message_tokens, count_tokens

MODEL = "podium-test-model"


@dataclass(frozen=True)
class Reply:
    """What the server sends: a chat answer with ``content``, or an error ``status``, after ``delay`` seconds."""

    content: str = ""
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


Script = Callable[[dict[str, Any]], Reply]


class Replies:
    """Replies in order, the last one repeated."""

    def __init__(self, *replies: Reply) -> None:
        self._replies = list(replies)
        self._lock = threading.Lock()

    def __call__(self, _request: dict[str, Any]) -> Reply:
        with self._lock:
            return self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]


def answer(content: Callable[[dict[str, Any]], str]) -> Script:
    """A script that answers every request with ``content(request)``."""
    return lambda request: Reply(content=content(request))


class ScriptedServer:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def prompt_tokens(self) -> list[int]:
        """Each request's prompt size, counted as Podium counts for a model tiktoken does not know."""
        return [count_message_tokens(request["messages"], MODEL) for request in self.requests]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                reply = server.script(body)
                time.sleep(reply.delay)
                if reply.status == 200:
                    payload = _completion(body, reply.content)
                else:
                    payload = {"error": {"message": f"scripted {reply.status}", "type": "server_error"}}
                data = json.dumps(payload).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    # The openai client honours this, so retried tests do not wait out its backoff.
                    self.send_header("retry-after-ms", "1")
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout scenarios)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator["ScriptedServer"]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join()


def _completion(request: dict[str, Any], content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", MODEL),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": count_message_tokens(request["messages"], MODEL),
            "completion_tokens": count_tokens(content, MODEL),
            "total_tokens": count_message_tokens(request["messages"], MODEL) + count_tokens(content, MODEL),
        },
    }

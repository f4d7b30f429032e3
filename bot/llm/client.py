"""The OpenAI-compatible chat client: OpenAI itself, vLLM, Ollama, llama.cpp's server.

The openai library retries 408, 409, 429 and 5xx answers and timeouts with exponential backoff
(and honours ``retry-after``); Podium sets how many times and how long each try may take, and
drafting stops waiting for the model altogether after ``draft_budget_s``. Every failure that
survives the retries becomes ``ModelUnavailable``, which drafting answers with the extractive
writer.
"""

import logging
from dataclasses import dataclass

from bot.llm.tokens import count_message_tokens, count_tokens
from bot.settings import Settings

log = logging.getLogger(__name__)

# Local servers accept any key, but the openai client refuses to start without one.
_KEYLESS = "no-key"


class ModelUnavailable(Exception):
    """The model could not answer (timeout, refused, server error, or no budget left)."""


@dataclass(frozen=True, slots=True)
class Completion:
    content: str
    prompt_tokens: int
    completion_tokens: int


class ModelClient:
    """One model on one server, with the limits drafting packs its prompts into."""

    def __init__(self, settings: Settings) -> None:
        # openai (about 15 MB resident) is imported only by a bot that has a model configured.
        import openai

        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else _KEYLESS
        self._client = openai.AsyncOpenAI(
            api_key=key,
            base_url=settings.llm_base_url,
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
        )
        self.model = settings.llm_model
        self.draft_budget_s = settings.llm_draft_budget_s
        self.max_output_tokens = settings.llm_max_output_tokens
        self.context_tokens = settings.llm_context_tokens
        self.event_token_budget = settings.llm_event_token_budget

    @classmethod
    def from_settings(cls, settings: Settings) -> "ModelClient | None":
        """The configured model, or None: drafts then come from the extractive writer."""
        return cls(settings) if settings.llm_configured else None

    @property
    def prompt_token_limit(self) -> int:
        """Room for the prompt: the context window less the answer's cap."""
        return self.context_tokens - self.max_output_tokens

    async def complete(self, messages: list[dict[str, str]]) -> Completion:
        """One chat completion asking for a JSON object; ``ModelUnavailable`` if none comes."""
        import openai  # imported already by __init__

        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=self.max_output_tokens,
                temperature=0.2,
                response_format={"type": "json_object"},
            )
        except openai.APITimeoutError:
            raise ModelUnavailable("the language model did not answer in time") from None
        except openai.APIStatusError as error:
            log.warning("model server answered %s", error.status_code)
            raise ModelUnavailable(
                f"the language model's server answered with an error ({error.status_code})"
            ) from None
        except openai.APIConnectionError:
            raise ModelUnavailable("the language model's server could not be reached") from None
        if not response.choices or response.choices[0].message.content is None:
            raise ModelUnavailable("the language model answered with nothing")
        content, usage = response.choices[0].message.content, response.usage
        # Some local servers report no usage; the budget then counts Podium's own estimate.
        return Completion(
            content=content,
            prompt_tokens=usage.prompt_tokens if usage else count_message_tokens(messages, self.model),
            completion_tokens=usage.completion_tokens if usage else count_tokens(content, self.model),
        )

    async def close(self) -> None:
        await self._client.close()

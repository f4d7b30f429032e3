"""Podium started as its operators start it: ``podium run`` in a process of its own, configured by
its environment, which a test can kill outright; or the same bot in the test's own process,
connected to a fake Discord through the gateway rather than fed by the in-process harness."""

import asyncio
import inspect
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app import create_bot
from bot.settings import Settings
from db.engine import Database
from tests.harness.fake_discord import FakeDiscord
from tests.harness.fake_gateway import FakeGateway
from tests.harness.payloads import guild_create

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "fake-token"
# Only what a process needs to start: nothing else from the developer's environment (a DATABASE_URL,
# an LLM key) reaches the bot, and it runs in a folder of its own, so no .env is read either.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


class BotProcess:
    """One life of the bot: ``python -m bot run`` with ``settings`` as its environment."""

    def __init__(self, settings: dict[str, str], folder: Path, name: str) -> None:
        self.settings, self.folder, self.name = settings, folder, name
        self.log = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {key: os.environ[key] for key in _INHERITED if key in os.environ}
        env |= {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **self.settings}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye to the gateway."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        """What the bot logged, for a failing test's message."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def bot_process(settings: dict[str, str], folder: Path, name: str) -> Iterator[BotProcess]:
    """Start the bot; whatever happens in the block, it is not left running."""
    bot = BotProcess(settings, folder, name)
    bot.start()
    try:
        yield bot
    finally:
        bot.kill()


def new_fake_discord() -> FakeDiscord:
    """A fake Discord, REST and gateway, serving the test server to a bot with ``TOKEN``."""
    return FakeDiscord(gateway=FakeGateway([guild_create()], token=TOKEN))


@asynccontextmanager
async def connected_bot(
    db: Database, fake: FakeDiscord | None = None, **settings: Any
) -> AsyncIterator[tuple[commands.Bot, FakeDiscord]]:
    """A Podium bot in this process, started as ``podium run`` starts it: on a fake Discord's API
    (DISCORD_API_BASE), connected through its gateway, ready. Pass a running ``fake`` (with a
    gateway) to keep what it holds; otherwise a new one is started and stopped. discord.py's
    process-wide addresses are put back afterwards."""
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    owned = fake is None
    if fake is None:
        fake = new_fake_discord()
        fake.start()
    url = db.url.render_as_string(hide_password=False)
    config = Settings(
        _env_file=None, database_url=url, discord_token=TOKEN, discord_api_base=fake.base_url, presenter_port=0
    )
    # Its own connections, as a bot process has; the test's ``db`` stays open after the bot closes.
    bot = create_bot(config.model_copy(update=settings), Database(url))
    running = asyncio.create_task(bot.start(TOKEN))
    try:
        ready = asyncio.create_task(bot.wait_until_ready())
        await asyncio.wait({ready, running}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        if running.done():
            running.result()  # it failed to start: say why
        assert ready.done(), "the bot was not ready within 60 s"
        yield bot, fake
    finally:
        await bot.close()
        await running
        if owned:
            fake.stop()
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


async def until(check: Callable[[], Any], *, what: str, within_s: float = 60, bot: BotProcess | None = None) -> None:
    """Wait for ``check()`` (or the awaitable it returns) to come true. Fail after ``within_s``
    seconds (a deadline, not a measurement), or at once if ``bot`` has died, with its log."""
    deadline = time.monotonic() + within_s
    while not await _holds(check):
        if bot is not None and not bot.running:
            raise AssertionError(f"the bot stopped while waiting for {what}:\n{bot.output()[-4000:]}")
        if time.monotonic() > deadline:
            log = f":\n{bot.output()[-4000:]}" if bot is not None else ""
            raise AssertionError(f"waited {within_s} s for {what}{log}")
        await asyncio.sleep(0.02)


async def _holds(check: Callable[[], Any]) -> bool:
    result = check()
    return bool(await result if inspect.isawaitable(result) else result)

"""The presenter port, reached over HTTP on 127.0.0.1 without a token, as anyone on the network
could: half-sent requests (1,100 of them once took every file descriptor, so the database could not
be opened), more connections than the server holds, more streams on one link than it feeds, and a
link whose event was archived.
"""

import asyncio

import aiohttp
import pytest

from bot.services.qa.events import archive_event, close_event
from bot.services.surfaces.presenter import presenter_token
from bot.settings import Settings
from bot.web.server import PresenterServer
from tests.factories import host, make_event
from tests.harness.bot_process import until
from tests.web.sse import next_message

# Generous: how long a test waits for what must happen, never a measure of how fast it happened.
PATIENCE_S = 30
HALF_SENT = b"GET /present/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@pytest.fixture
async def guarded(db):
    """Start a presenter server on a free port with the given limits; stopped after the test."""
    servers: list[PresenterServer] = []

    async def start(**limits: object) -> PresenterServer:
        servers.append(PresenterServer(db, Settings(presenter_port=0, presenter_public_url=None, **limits)))
        assert await servers[-1].start()
        return servers[-1]

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def event_link(db):
    event = await make_event(db, host())
    return event, await presenter_token(db, event.id, host())


async def connect(server: PresenterServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server._port)


async def until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent before it closed the connection."""
    return await asyncio.wait_for(reader.read(), PATIENCE_S)


async def hang_up(*writers: asyncio.StreamWriter) -> None:
    for writer in writers:
        writer.close()
        await writer.wait_closed()


async def status_of(server: PresenterServer, path: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(f"{server.base_url}{path}") as response:
        return response.status


async def until_served(server: PresenterServer, path: str) -> None:
    """Ask again until ``path`` is served (a place frees once the server has seen a client go)."""

    async def served() -> bool:
        return await status_of(server, path) == 200

    await until(served, what=f"{path} to be served again", within_s=PATIENCE_S)


async def test_half_sent_requests_are_closed_and_the_server_still_answers(guarded, event_link):
    _, token = event_link
    server = await guarded(presenter_header_timeout_s=0.5)
    connections = [await connect(server) for _ in range(50)]
    for _, writer in connections:
        writer.write(HALF_SENT)
    said = await asyncio.gather(*(until_closed(reader) for reader, _ in connections))
    assert said == [b""] * 50, "each was closed without an answer"
    await hang_up(*(writer for _, writer in connections))
    assert await status_of(server, f"/present/{token}") == 200


async def test_a_request_dripped_a_byte_at_a_time_is_closed_all_the_same(guarded):
    server = await guarded(presenter_header_timeout_s=0.5)
    reader, writer = await connect(server)

    async def drip() -> None:
        for byte in HALF_SENT * 100:
            if writer.is_closing():
                return
            writer.write(bytes([byte]))
            await asyncio.sleep(0.05)

    dripping = asyncio.create_task(drip())
    assert await until_closed(reader) == b""
    dripping.cancel()
    await hang_up(writer)


async def test_connections_past_the_cap_are_closed_at_once(guarded, event_link):
    _, token = event_link
    server = await guarded(presenter_max_connections=5, presenter_header_timeout_s=PATIENCE_S * 2)
    held = [await connect(server) for _ in range(5)]
    for _, writer in held:
        writer.write(HALF_SENT)
    extra_reader, extra_writer = await connect(server)
    extra_writer.write(f"GET /present/{token} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert await until_closed(extra_reader) == b"", "a sixth connection is not served"
    await hang_up(extra_writer, *(writer for _, writer in held))
    # Served again once the server has seen them go.
    await until_served(server, f"/present/{token}")


async def test_a_link_feeds_at_most_its_streams_and_frees_a_place_when_one_closes(guarded, event_link):
    _, token = event_link
    server = await guarded(presenter_streams_per_link=3)
    async with aiohttp.ClientSession() as http:
        streams = [await http.get(f"{server.base_url}/present/{token}/stream") for _ in range(3)]
        for stream in streams:
            assert stream.status == 200
            assert (await next_message(stream)).event == "screen"
        async with http.get(f"{server.base_url}/present/{token}/stream") as refused:
            assert refused.status == 429
        streams.pop().close()
        await until_served(server, f"/present/{token}/stream")
        for stream in streams:
            stream.close()


async def test_an_archived_events_link_stops_serving_and_its_open_pages_are_told(db, guarded, event_link):
    event, token = event_link
    server = await guarded()
    async with aiohttp.ClientSession() as http, http.get(f"{server.base_url}/present/{token}/stream") as stream:
        assert (await next_message(stream)).event == "screen"
        await close_event(db, event.id, host())
        await archive_event(db, event.id, host())
        async with asyncio.timeout(PATIENCE_S):
            while (message := await next_message(stream)).event == "screen":
                pass
        assert message.event == "gone"
    assert await status_of(server, f"/present/{token}") == 404
    assert await status_of(server, f"/present/{token}/stream") == 404

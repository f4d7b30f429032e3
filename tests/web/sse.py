"""Reading a server-sent event stream the way a browser's EventSource does (HTML Living Standard)."""

from dataclasses import dataclass

import aiohttp


@dataclass
class Message:
    event: str
    data: str
    id: str


async def next_message(response: aiohttp.ClientResponse) -> Message:
    """The next dispatched message, skipping comments and the ``retry`` field."""
    event, data, ident = "message", [], ""
    while True:
        raw = await response.content.readline()
        if not raw:
            raise EOFError("the event stream ended")
        line = raw.decode().rstrip("\n")
        if not line:
            if data or event != "message":
                return Message(event, "\n".join(data), ident)
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id":
            ident = value

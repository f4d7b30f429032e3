"""Reading a report in a process of its own, within a time and a memory limit.

A report is a stranger's file: a 13 KB PDF took 23 s of CPU to read, and one of 1,000 such pages
would take hours. Read in a thread, it held a worker of the event loop's default pool, which
every member's ask also needs, and took the interpreter from them. So each report is read by a
child process (started fresh, not forked: the bot's threads hold locks a fork would copy) whose
CPU time and address space are capped by the kernel (``setrlimit``), and waited for from a small
pool of Podium's own, never the loop's. A child that runs out of either is killed and the report
refused with the reason; at most ``PARALLEL`` reports are read at once, so uploads cannot take
every core from the members either.
"""

import asyncio
import multiprocessing
import resource
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection

from bot.domain.enums import ReportFormat
from bot.domain.errors import InvalidInput
from bot.services.qa.text import valid_unicode
from bot.services.reports.passages import PassageText, split_passages
from bot.services.reports.report_files import read_report

PARALLEL = 2
DEFAULT_CPU_S = 20
DEFAULT_MEMORY_MB = 1024
# A child needs a moment to start (an interpreter and pypdf) beside its CPU time; past this much
# wall time on top of its CPU limit, it is stuck (swapping, or stopped) and killed all the same.
_STARTUP_ALLOWANCE_S = 10.0

_SPAWN = multiprocessing.get_context("spawn")
_WAITERS = ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="podium-report-reader")
_reading = 0  # reports being read now, in this process


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """What one report may cost to read: seconds of CPU and megabytes of address space."""

    cpu_s: int = DEFAULT_CPU_S
    memory_mb: int = DEFAULT_MEMORY_MB


DEFAULT_LIMITS = ReadLimits()


@dataclass(frozen=True, slots=True)
class ReadReport:
    """A report read into passages: its format, its pages (PDF) and its passages in order."""

    format: ReportFormat
    pages: int | None
    passages: list[PassageText]


async def read_passages(filename: str, data: bytes, limits: ReadLimits) -> ReadReport:
    """The report's passages, read in a child process within ``limits``.

    ``InvalidInput`` if the file is refused (empty, encrypted, not what its name says), took more
    than its time or memory, or Podium is already reading as many reports as it reads at once.
    """
    global _reading
    if _reading >= PARALLEL:
        raise InvalidInput("Podium is already reading other reports; please try again in a minute.")
    _reading += 1
    try:
        outcome = await asyncio.get_running_loop().run_in_executor(_WAITERS, _read_in_child, filename, data, limits)
    finally:
        _reading -= 1
    kind, *details = outcome
    if kind == "read":
        report_format, pages, passages = details
        # Text leaving a stranger's file is made storable here, whatever the format's reader did.
        return ReadReport(report_format, pages, [_storable(passage) for passage in passages])
    if kind == "refused":
        raise InvalidInput(details[0])
    if kind == "memory":
        raise InvalidInput(
            f"{filename} needs more than {limits.memory_mb:,} MB of memory to read, so Podium did not read it. "
            "Export it again (or as plain text) and upload that."
        )
    raise InvalidInput(
        f"{filename} took more than {limits.cpu_s} s of processor time to read, so Podium stopped reading it. "
        "Export it again (or as plain text) and upload that."
    )


def _storable(passage: PassageText) -> PassageText:
    return PassageText(
        citation=passage.citation,
        page=passage.page,
        heading=valid_unicode(passage.heading),
        text=valid_unicode(passage.text),
    )


def _read_in_child(filename: str, data: bytes, limits: ReadLimits) -> tuple[object, ...]:
    """Start the child, wait for its answer within the limits, and always end it."""
    receiving, sending = _SPAWN.Pipe(duplex=False)
    child = _SPAWN.Process(target=_child, args=(sending, filename, data, limits), daemon=True)
    child.start()
    sending.close()
    try:
        if not receiving.poll(limits.cpu_s + _STARTUP_ALLOWANCE_S):
            return ("time",)
        try:
            return receiving.recv()
        except EOFError:
            # Ended without a word: the kernel's SIGXCPU past its CPU time, or native code that
            # crashed (an allocation past the memory limit that it did not check, say).
            child.join()
            if child.exitcode == -signal.SIGXCPU:
                return ("time",)
            return ("refused", f"{filename} could not be read; it may be damaged.")
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()
        child.join()


def _child(sending: Connection, filename: str, data: bytes, limits: ReadLimits) -> None:
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 1))
    try:
        parsed = read_report(filename, data)
        outcome: tuple[object, ...] = ("read", parsed.format, parsed.pages, split_passages(parsed.blocks))
    except InvalidInput as refusal:
        outcome = ("refused", refusal.message)
    except MemoryError:
        outcome = ("memory",)
    except Exception:  # whatever else a stranger's file makes a parser raise, it was not read
        outcome = ("refused", f"{filename} could not be read; it may be damaged.")
    sending.send(outcome)
    sending.close()

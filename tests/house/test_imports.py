"""The house's import rules (docs/architecture.md, "What each folder may import"), read from the
code's own imports, so that they stay true as Podium grows."""

import pytest

from tests.house.imports import cycles, imports_of, modules, podium_imports


def in_layer(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layer(*prefixes: str) -> list[str]:
    return sorted(m for m in modules() if in_layer(m, *prefixes))


def offending(modules_: list[str], *forbidden: str) -> dict[str, list[str]]:
    found = {m: sorted(i for i in imports_of(m) if in_layer(i, *forbidden)) for m in modules_}
    return {m: names for m, names in found.items() if names}


def test_the_rules_read_the_whole_house():
    assert len(modules()) > 80
    assert "bot.flows.audience" in modules()
    assert podium_imports("bot.flows.audience") >= {"bot.services.qa.questions", "bot.flows.context"}


def test_no_modules_import_each_other_in_a_circle():
    # Imports inside functions and under TYPE_CHECKING count: they only hide a circle.
    assert cycles() == []


def test_the_domain_imports_nothing_of_podiums():
    assert {m: sorted(podium_imports(m) - set(layer("bot.domain"))) for m in layer("bot.domain")} == {
        m: [] for m in layer("bot.domain")
    }


@pytest.mark.parametrize("folder", ["bot.domain", "bot.services", "bot.llm", "db", "bot.flows"])
def test_rules_and_storage_never_touch_discord_or_the_cogs(folder):
    assert offending(layer(folder), "discord", "cogs", "bot.discord", "bot.app") == {}


def test_storage_imports_no_service_and_no_flow():
    assert offending(layer("db"), "bot.services", "bot.flows", "bot.llm", "bot.settings") == {}


def test_services_take_settings_as_arguments():
    assert offending(layer("bot.services", "bot.domain", "db"), "bot.settings", "pydantic_settings") == {}


def test_services_never_call_a_flow():
    assert offending(layer("bot.services", "bot.llm"), "bot.flows", "bot.scheduling", "bot.web", "bot.rehearsal") == {}


def test_cogs_reach_storage_only_through_services_and_flows():
    # No tables, no engine, no SQL: a cog parses, calls a flow or a service, and replies; what it
    # shows of a record is drawn by the Discord side (bot.discord).
    assert offending(layer("cogs"), "db", "sqlmodel", "sqlalchemy") == {}


def test_cogs_are_independent_of_each_other():
    found = {}
    for module in layer("cogs"):
        package = ".".join(module.split(".")[:2])
        others = sorted(i for i in podium_imports(module) if in_layer(i, "cogs") and not in_layer(i, package))
        if others:
            found[module] = others
    assert found == {}


def test_the_discord_side_never_imports_a_cog():
    assert offending(layer("bot.discord", "bot.app", "bot.flows", "bot.scheduling", "bot.web"), "cogs") == {}


def test_renderers_read_only_documents():
    # A renderer turns the domain's documents into a medium; it decides nothing and stores nothing.
    assert {m: sorted(podium_imports(m) - set(layer("bot.domain", "bot.render"))) for m in layer("bot.render")} == {
        m: [] for m in layer("bot.render")
    }


def test_services_are_grouped_by_subject_in_folders_a_newcomer_can_read_at_a_glance():
    services = layer("bot.services")
    folders = {m.rsplit(".", 1)[0] for m in services if m.count(".") == 3}
    sizes = {folder: sum(1 for m in services if m.rsplit(".", 1)[0] == folder) for folder in folders}
    assert {"bot.services.qa", "bot.services.sense", "bot.services.surfaces"} <= set(sizes)
    assert {folder: size for folder, size in sizes.items() if size > 12} == {}
    loose = [m for m in services if m.count(".") == 2 and modules()[m].name != "__init__.py"]
    assert loose == []  # every service sits in its subject's folder

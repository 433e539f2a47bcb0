"""The langmem-based profile manager: real langmem code paths, scripted tool-calling models.

Every case runs on memory, SQLite and PostgreSQL, sync and async (the ``store``/``call``
fixtures). Failures never raise and never change the record; each one is counted.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.store.base import BaseStore
from pydantic import create_model

from langprofile import ProfileStore, UserProfile
from langprofile._namespace import user_namespace
from langprofile.extraction.manager import create_profile_manager
from langprofile.testing.models import ScriptedChatModel, create_step, patch_step, tool_call_step

SAID = [HumanMessage("I'm Ada, I speak English. I work as a nurse.")]


async def _state(profiles: ProfileStore[Any], call: Any, user: str = "ada@x.io") -> Any:
    return await call(profiles, "get", user)


async def test_first_write_patch_and_no_change(any_store: BaseStore, twin: Any) -> None:
    profiles = ProfileStore(any_store)
    model = ScriptedChatModel(
        script=[
            create_step(name="Ada", languages=["English"]),
            patch_step({"op": "replace", "path": "/role", "value": "nurse"}),
            patch_step(),
        ],
        usage={"input_tokens": 100, "output_tokens": 20},
    )
    manager = create_profile_manager(model, profiles)

    first = await twin(manager, "extract", "ada@x.io", SAID)
    assert first.applied == ("languages", "name")
    assert first.failed is None
    record = await _state(profiles, twin)
    assert record.profile.name == "Ada"
    assert record.field_sources == {"name": "extracted", "languages": "extracted"}
    # create mode: the schema tool with its field descriptions, no forced choice
    assert model.bound[0]["tools"] == ["UserProfile"]

    second = await twin(manager, "extract", "ada@x.io", SAID)
    assert second.applied == ("role",)
    # update mode: PatchDoc forced, and the field guide is in the prompt all the same
    assert model.bound[1] == {"tools": ["PatchDoc"], "tool_choice": "PatchDoc"}
    prompt = "\n".join(str(m.content) for m in model.calls[1])
    assert "expertise_level" in prompt
    assert "never inferred from a title" in prompt

    third = await twin(manager, "extract", "ada@x.io", SAID)
    assert third.applied == ()
    after = await _state(profiles, twin)
    assert after.version == 2
    assert after.profile.role == "nurse"
    metrics = manager.metrics.snapshot("ada@x.io")
    assert metrics["extraction_runs"] == 3
    assert metrics["llm_calls"] == 3
    assert metrics["input_tokens"] == 300
    assert metrics["updates_applied"] == 3
    assert metrics["updates_unchanged"] == 1


def _invalid_json() -> AIMessage:
    return AIMessage(
        content="",
        invalid_tool_calls=[
            {"name": "PatchDoc", "args": '{"patches": [', "id": "bad-1", "error": "bad JSON"}
        ],
    )


BAD_OUTPUTS = {
    "malformed_json": ([_invalid_json()], "malformed_output"),
    "bad_patch_path": (
        [patch_step({"op": "replace", "path": "/no/such/path", "value": 1})],
        "invalid_patch",
    ),
    "wrong_type": (
        [patch_step({"op": "replace", "path": "/expertise_level", "value": "guru"})],
        None,
    ),
    "unknown_tool": ([tool_call_step("DeleteEverything", {"really": True})], None),
    "model_exception": ([RuntimeError("provider is down")], "model_error"),
}


@pytest.mark.parametrize("case", sorted(BAD_OUTPUTS))
async def test_bad_model_output_is_counted_and_changes_nothing(
    any_store: BaseStore, twin: Any, case: str
) -> None:
    profiles = ProfileStore(any_store)
    before = await twin(profiles, "update", "ada@x.io", {"name": "Ada", "role": "nurse"})
    script, reason = BAD_OUTPUTS[case]
    # cycle: langmem's repair calls get the same bad output again
    model = ScriptedChatModel(script=list(script), cycle=True)
    manager = create_profile_manager(model, profiles)

    result = await twin(manager, "extract", "ada@x.io", SAID)

    assert result.applied == ()
    assert await _state(profiles, twin) == before
    metrics = manager.metrics.snapshot()
    problems = metrics["updates_discarded"] + metrics["failures"]
    assert problems == 1, metrics
    if reason is not None:
        assert reason in (result.failed, *result.discarded.values())
    assert model.calls  # the model really was asked
    assert len(model.calls) <= 12  # langmem's repair loops are bounded


async def test_user_set_field_and_pinned_paragraph_survive_extraction(
    any_store: BaseStore, twin: Any
) -> None:
    profiles = ProfileStore(any_store)
    await twin(profiles, "update", "ada@x.io", {"name": "Ada Lovelace"})
    await twin(profiles, "write_paragraph", "ada@x.io", "I'm Ada. Be brief.")
    model = ScriptedChatModel(
        script=[
            patch_step(
                {"op": "replace", "path": "/name", "value": "Countess"},
                {"op": "replace", "path": "/role", "value": "mathematician"},
            )
        ]
    )
    result = await twin(create_profile_manager(model, profiles), "extract", "ada@x.io", SAID)
    record = await _state(profiles, twin)
    assert record.profile.name == "Ada Lovelace"
    assert record.profile.role == "mathematician"
    assert record.paragraph == "I'm Ada. Be brief."
    assert result.suggested == ("name",)
    assert {s.kind for s in record.suggestions} == {"field", "paragraph"}


async def test_secrets_in_extracted_output_are_never_stored(
    any_store: BaseStore, twin: Any
) -> None:
    profiles = ProfileStore(any_store)
    secrets = {
        "name": "4111 1111 1111 1111",
        "role": "my SSN is 123-45-6789",
        "pain_points": ["my password is hunter2", "regex"],
        "tools": ["sk-live-abcdefghijklmnopqrstuvwxyz0123456789ABCD", "Python"],
    }
    model = ScriptedChatModel(script=[create_step(**secrets)])
    manager = create_profile_manager(model, profiles)
    result = await twin(manager, "extract", "ada@x.io", SAID)
    record = await _state(profiles, twin)
    stored = record.profile.model_dump_json() if record else ""
    for needle in ("4111", "123-45", "hunter2", "sk-live"):
        assert needle not in stored
    assert record.profile.tools == ["Python"]
    assert record.profile.pain_points == ["regex"]
    assert set(result.discarded) >= {"name", "role", "pain_points", "tools"}
    assert manager.metrics.snapshot()["updates_discarded"] >= 4


WideProfile = create_model(  # type: ignore[call-overload]
    "WideProfile", __base__=UserProfile, **{f"f{i}": (int | None, None) for i in range(16)}
)


def _set_field_from_message(messages: list[BaseMessage]) -> AIMessage:
    """An extractor that sets the field the user names ("set f7") on the served profile."""
    text = " ".join(str(m.content) for m in messages)
    i = int(text.split("set f", 1)[1].split()[0].strip(".<>/"))
    if "<instance id=" in text:
        return patch_step({"op": "replace", "path": f"/f{i}", "value": i})(messages)
    return create_step("WideProfile", **{f"f{i}": i})


async def test_sixteen_concurrent_extractions_all_survive(
    any_store: BaseStore, store_mode: str
) -> None:
    profiles = ProfileStore(any_store, schema=WideProfile)
    model = ScriptedChatModel(script=[_set_field_from_message], cycle=True)
    manager = create_profile_manager(model, profiles)
    talks = [[HumanMessage(f"please set f{i} now")] for i in range(16)]
    if store_mode == "sync":
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda m: manager.extract("wide", m), talks))
        record = profiles.get("wide")
        items = any_store.search(user_namespace("wide"))
    else:
        results = await asyncio.gather(*(manager.aextract("wide", m) for m in talks))
        record = await profiles.aget("wide")
        items = await any_store.asearch(user_namespace("wide"))
    assert all(r.failed is None for r in results)
    assert record is not None
    assert {i: getattr(record.profile, f"f{i}") for i in range(16)} == {i: i for i in range(16)}
    assert len(items) == 1


async def test_invoke_takes_user_id_from_configurable(any_store: BaseStore, twin: Any) -> None:
    profiles = ProfileStore(any_store)
    manager = create_profile_manager(ScriptedChatModel(script=[create_step(name="Cy")]), profiles)
    config = {"configurable": {"user_id": "cy.user@example.com"}}
    result = await twin(manager, "invoke", {"messages": SAID}, config)
    assert result.applied == ("name",)
    assert (await _state(profiles, twin, "cy.user@example.com")).profile.name == "Cy"


def test_model_output_never_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    """trustcall logs the model's raw arguments at ERROR; what the user said must not appear."""
    import logging

    from langgraph.store.memory import InMemoryStore

    profiles = ProfileStore(InMemoryStore())
    profiles.update("ada@x.io", {"name": "Ada"})
    leaked = "sk-proj-" + "Q7w8E9r0T1y2U3i4O5p6" * 2
    bad = create_step(expertise_level=leaked)  # invalid: pydantic's error quotes the input
    manager = create_profile_manager(ScriptedChatModel(script=[bad], cycle=True), profiles)
    with caplog.at_level(logging.DEBUG):
        manager.extract("ada@x.io", [HumanMessage(f"my key is {leaked}")])
    assert caplog.records  # the failure is still reported
    assert leaked not in caplog.text
    assert leaked not in str(profiles.export("ada@x.io"))

"""A schema that shares no field with ``UserProfile`` learns end to end, on every backend.

Seed 001's support profile (``company``, ``plan``, ``expertise``; no name) in both learning
modes, sync and async: extraction with a scripted model making langmem's real tool calls, the
agent's ``update_user_profile`` tool, the rule-based detector (which must not write the fields
it knows but the schema lacks), and the paragraph the model then reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableLambda
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.store.base import BaseStore
from pydantic import BaseModel, Field

from langprofile import ProfileInjector, ProfileLearner, ProfileStore, Recognizer
from langprofile.testing import ScriptedChatModel, create_step, patch_step, tool_call_step


class SupportProfile(BaseModel):
    """A customer of the support desk."""

    company: str | None = Field(default=None, description="Company name")
    plan: str | None = Field(default=None, description="Subscription plan")
    expertise: str | None = Field(default=None, description="Technical expertise level")


@dataclass
class Context:
    user_id: str


def _graph(profiles: ProfileStore[Any], learner: ProfileLearner, chat: ScriptedChatModel) -> Any:
    async def amodel(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await chat.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState, context_schema=Context)
    builder.add_node("profile", ProfileInjector(profiles))
    builder.add_node(
        "model",
        RunnableLambda(lambda s: {"messages": [chat.invoke(s["messages"])]}, afunc=amodel),
    )
    builder.add_node("learn", learner)
    builder.add_edge(START, "profile")
    builder.add_edge("profile", "model")
    builder.add_edge("model", "learn")
    return builder.compile(checkpointer=InMemorySaver())


async def _say(graph: Any, mode: str, text: str, user: str) -> None:
    inputs = {"messages": [HumanMessage(text)]}
    config = {"configurable": {"thread_id": f"{user}-thread"}}
    if mode == "sync":
        graph.invoke(inputs, config, context=Context(user))
    else:
        await graph.ainvoke(inputs, config, context=Context(user))


async def test_always_mode_learns_a_schema_sharing_no_field(
    any_store: BaseStore, store_mode: str, twin: Any
) -> None:
    profiles = ProfileStore(any_store, schema=SupportProfile)
    extractor = ScriptedChatModel(
        script=[
            create_step("SupportProfile", company="TechCorp", plan="enterprise"),
            patch_step({"op": "replace", "path": "/expertise", "value": "advanced"}),
        ]
    )
    learner = ProfileLearner(profiles, extractor, debounce=0.0)
    chat = ScriptedChatModel(script=["Hello John!", "Sure.", "Noted."])
    graph = _graph(profiles, learner, chat)

    # The detector reads a name and a language here, fields this schema does not have.
    await _say(graph, store_mode, "Hi, I'm John from TechCorp, we're on the enterprise plan.", "jo")
    assert learner.flush(10) if store_mode == "sync" else await learner.aflush(10)
    await _say(
        graph, store_mode, "I speak German. I'd call myself pretty advanced with APIs.", "jo"
    )
    assert learner.flush(10) if store_mode == "sync" else await learner.aflush(10)

    record = await twin(profiles, "get", "jo")
    assert record.profile == SupportProfile(
        company="TechCorp", plan="enterprise", expertise="advanced"
    )
    assert record.paragraph == (
        "Your company name is TechCorp. Your subscription plan is enterprise. Your technical "
        "expertise level is advanced."
    )
    assert set(record.field_sources.values()) == {"extracted"}
    assert learner.metrics("jo")["failures"] == 0
    # The extractor was shown this schema's fields, not UserProfile's.
    prompt = "\n".join(str(m.content) for call in extractor.calls for m in call)
    assert "Subscription plan" in prompt
    assert "preferred_name" not in prompt
    # The next model call reads the block.
    await _say(graph, store_mode, "thanks", "jo")
    assert "Your company name is TechCorp." in str(chat.calls[-1][0].content)


async def test_agentic_mode_writes_through_the_schemas_own_tool(
    any_store: BaseStore, store_mode: str, twin: Any
) -> None:
    from langchain.agents import create_agent

    profiles = ProfileStore(any_store, schema=SupportProfile)
    learner = ProfileLearner(profiles, mode="agentic")
    (tool,) = learner.tools()
    schema = tool.tool_call_schema.model_json_schema()
    assert set(schema["$defs"]["SupportProfile"]["properties"]) == {"company", "plan", "expertise"}
    assert "(company, plan, expertise)" in tool.description
    chat = ScriptedChatModel(
        script=[
            tool_call_step("update_user_profile", {"changes": {"company": "Acme", "plan": "pro"}}),
            "Saved.",
        ]
    )
    agent = create_agent(chat, tools=learner.tools(), context_schema=Context)
    inputs = {"messages": [HumanMessage("We're Acme, on the pro plan.")]}
    if store_mode == "sync":
        state = agent.invoke(inputs, context=Context("amy"))
    else:
        state = await agent.ainvoke(inputs, context=Context("amy"))
    (reply,) = [str(m.content) for m in state["messages"] if m.type == "tool"]
    assert reply == "Saved: company, plan."
    record = await twin(profiles, "get", "amy")
    assert record.paragraph == "Your company name is Acme. Your subscription plan is pro."
    assert record.field_sources == {"company": "agent", "plan": "agent"}


async def test_a_custom_field_can_ask_for_a_recognizer(any_store: BaseStore, twin: Any) -> None:
    class Shopper(BaseModel):
        home_zone: Annotated[str | None, Recognizer("timezone")] = Field(
            default=None, title="Home timezone"
        )
        loyalty_tier: str | None = None

    profiles = ProfileStore(any_store, schema=Shopper)
    learner = ProfileLearner(profiles, mode="manual")
    await twin(learner, "learn", "sam", [HumanMessage("I live in Lisbon, by the way.")])
    record = await twin(profiles, "get", "sam")
    assert record.profile == Shopper(home_zone="Europe/Lisbon")
    assert record.paragraph == "Your home timezone is Europe/Lisbon."

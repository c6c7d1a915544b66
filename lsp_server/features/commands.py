"""`workspace/executeCommand`: coderLsp.explainDiagnostic, fixDiagnostic and status.

The explain and fix commands take their diagnostics as arguments (see
`diagnostic_help.targets_from_arguments`), so any client can call them with
diagnostics from any tool. `coderLsp.status` reports what a status display
or a bug report needs: state, model, prompt format, device, index size,
recent latencies and what the model thread did lately.
"""

from __future__ import annotations

import os
import statistics

from lsprotocol import types

from lsp_server.features import diagnostic_help
from lsp_server.server import CoderServer

EXPLAIN = "coderLsp.explainDiagnostic"
FIX = "coderLsp.fixDiagnostic"
STATUS = "coderLsp.status"


def register(server: CoderServer) -> None:
    @server.command(EXPLAIN)
    async def explain_diagnostic(ls: CoderServer, *arguments):
        ls.link_cancellation()
        target = diagnostic_help.targets_from_arguments(ls, arguments)[0]
        if not diagnostic_help.enabled(ls, target):
            return None
        return await diagnostic_help.explain(ls, target)

    @server.command(FIX)
    async def fix_diagnostic(ls: CoderServer, *arguments):
        ls.link_cancellation()
        target = diagnostic_help.targets_from_arguments(ls, arguments)[0]
        if not diagnostic_help.enabled(ls, target):
            return None
        edit = await diagnostic_help.fix(ls, target)
        if edit is None:
            return {"applied": False, "reason": "no fix that parses"}
        result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit, label="Fix this error"))
        return {"applied": bool(result.applied), "edit": ls.protocol._converter.unstructure(edit)}

    @server.command(STATUS)
    def status(ls: CoderServer, *_arguments):
        return status_report(ls)


def status_report(ls: CoderServer) -> dict:
    engine = ls.model.engine
    described = _safe(engine.describe) if engine is not None else None
    latencies = list(ls.jobs.latencies_ms)
    pipeline = ls.completions.pipeline
    return {
        "state": ls.state,
        "error": ls.model.error,
        "model": described,
        "promptFormat": getattr(engine, "prompt_format", None),
        "chatModel": ls.model.chat.name if ls.model.chat is not None else None,  # loaded on first chat use
        "device": (described or {}).get("device"),
        "index": _safe(ls.index.stats) if ls.index is not None else None,
        "latencyMs": _latency_summary(latencies),
        "jobs": [dict(job) for job in list(ls.jobs.records)[-20:]],
        "jobOutcomes": dict(ls.jobs.outcomes),
        "cache": {"entries": len(pipeline.cache), "hits": pipeline.cache.hits, "contextReused": pipeline.sticky.reused,
                  "editHistories": len(pipeline.edit_history)},
        "openDocuments": len(ls.workspace.text_documents),
        "settings": {"debounceMs": ls.settings.debounce_ms, "maxTokens": ls.settings.max_tokens},
        "positionEncoding": getattr(ls.workspace.position_encoding, "value", ls.workspace.position_encoding),
        "memoryRssMb": _rss_mb(),
    }


def _safe(call):
    try:
        return call()
    except Exception as exc:
        return {"error": str(exc)}


def _latency_summary(latencies: list[float]) -> dict:
    if not latencies:
        return {"count": 0}
    ordered = sorted(latencies)
    return {
        "count": len(ordered),
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "last": round(latencies[-1], 2),
    }


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError, IndexError):
        return None

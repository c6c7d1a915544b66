"""Seeded hostile inputs for the fuzzer: framing, JSON garbage, mutated params, odd documents, edits.

Each generator returns a `Case`: raw byte chunks and messages to send, the
ids that must each get exactly one answer, and (for edit sequences) a probe
whose cursor offset the server must agree on with `reference.py`'s plain
string. Framing junk always ends at a line break and never promises more
body bytes than it sends, so one case cannot swallow the next: the stream
stays in step, as it would with a buggy (not malicious) client. Nothing
here sends `shutdown` or `exit`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from bench.reference import Document

COMMANDS = ("coderLsp.explainDiagnostic", "coderLsp.fixDiagnostic", "coderLsp.status",
            "coderLsp.generateCommitMessage", "coderLsp.listModels", "coderLsp.useModel",
            "coderLsp.didAcceptNextEdit", "coderLsp.noSuchCommand")
ALPHABET = "abc xyz_(){}[].,:=\n\n\t\r\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029é中😀\x00\"\\"
WILD_VALUES = (None, True, False, 0, -1, 1.5, 2**31 - 1, 2**31, 2**32, 2**63, -2**63, 10**30, 1e308, "", "x",
               "file:///", "untitled:", "\ud800", "😀" * 3, [], {}, [None], {"a": {"b": []}}, "A" * 5000)


@dataclass
class Case:
    kind: str
    chunks: list[bytes] = field(default_factory=list)
    expect: list[Any] = field(default_factory=list)  # ids that must be answered exactly once
    probe: tuple | None = None  # (uri, version, expected offset, id) for edit sequences

    def message(self, payload: Any) -> None:
        body = json.dumps(payload).encode("utf-8", "surrogatepass")
        self.chunks.append(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, msg_id: Any, method: str, params: Any) -> None:
        self.expect.append(msg_id)
        self.message({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})

    def notify(self, method: str, params: Any) -> None:
        self.message({"jsonrpc": "2.0", "method": method, "params": params})


class Generator:
    """Cases against a workspace whose open documents it tracks with reference copies."""

    def __init__(self, rng: random.Random, root_uri: str, *, run_cap: int = 20_000, size_cap: int = 200_000) -> None:
        # run_cap: longest run of letters in a document (30k+ crashes llama.cpp's pre-tokenizer,
        # issue 12 item 1, fixed in another part); size_cap: the most words or lines in one.
        self.rng, self.root_uri, self.run_cap, self.size_cap = rng, root_uri, run_cap, size_cap
        self.documents: dict[str, Document] = {}
        self._ids = 0

    def next_id(self) -> Any:
        self._ids += 1
        return f"fz-{self._ids}" if self.rng.random() < 0.7 else 10**9 + self._ids

    def case(self, kind: str) -> Case:
        return getattr(self, kind)(Case(kind))

    # --- byte level ---------------------------------------------------------------------

    def framing(self, case: Case) -> Case:
        rng = self.rng
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id(), "method": "coderLsp/nothing"}).encode()
        choice = rng.randrange(7)
        if choice == 0:  # extra and odd headers, then a fine request
            msg_id = self.next_id()
            body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": "workspace/executeCommand",
                               "params": {"command": "coderLsp.status"}}).encode()
            case.expect.append(msg_id)
            case.chunks.append(b"X-Junk: \xff\xfe\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
                               b"Content-Length: %d\r\n\r\n" % len(body) + body)
        elif choice == 1:  # no Content-Length: the body reads as a header line
            case.chunks.append(b"\r\n" + body + b"\r\n")
        elif choice == 2:  # a declared length shorter than the body: the rest reads as header lines
            case.chunks.append(b"Content-Length: %d\r\n\r\n" % rng.randrange(1, len(body)) + body + b"\r\n")
        elif choice == 3:  # lower-case or spaced header names (not ours to guess)
            name = rng.choice([b"content-length", b"Content-Length ", b"CONTENT-LENGTH"])
            case.chunks.append(name + b": %d\r\n\r\n" % len(body) + body + b"\r\n")
        elif choice == 4:  # a header line of random bytes
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))).replace(b"\n", b" ")
            case.chunks.append(junk + b"\r\n")
        elif choice == 5:  # Content-Length: 0, or huge digits we then do send
            case.chunks.append(b"Content-Length: 0\r\n\r\n")
        else:  # a very long header line (over the 1 MB line limit)
            case.chunks.append(b"Y" * (1 << 20 | rng.randrange(1000)) + b"\r\n")
        return case

    def garbage(self, case: Case) -> Case:
        rng = self.rng
        msg_id = self.next_id()
        options = [
            bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))),
            json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": "initialize"}).encode()[:-rng.randrange(1, 10)],
            b"[" * rng.randrange(10, 200_000) + b"]" * rng.randrange(0, 10),
            b'{"jsonrpc": "2.0", "id": %s, "method": "textDocument/completion", "params": %s}' % (
                json.dumps(msg_id).encode(), rng.choice([b"NaN", b"-Infinity", b"1" * 5000, b'"\\ud800"', b"[]"])),
            b"\xef\xbb\xbf" + json.dumps({"jsonrpc": "2.0", "method": "initialized"}).encode(),
            json.dumps([{"jsonrpc": "2.0", "id": msg_id, "method": "shutdown"}]).encode(),  # a batch
            json.dumps(rng.choice(WILD_VALUES)).encode(),
        ]
        pick = rng.randrange(len(options))
        if pick == 3:
            case.expect.append(msg_id)
        body = options[pick]
        case.chunks.append(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return case

    def envelope(self, case: Case) -> Case:
        """A JSON object that is not a proper JSON-RPC 2.0 request, with an id to answer."""
        rng = self.rng
        msg_id = self.next_id()
        message = {"jsonrpc": "2.0", "id": msg_id, "method": "workspace/executeCommand",
                   "params": {"command": "coderLsp.status"}}
        mutation = rng.randrange(6)
        if mutation == 0:
            del message["jsonrpc"]
        elif mutation == 1:
            message["jsonrpc"] = rng.choice(["1.0", 2, None, "2.0 "])
        elif mutation == 2:
            message["error"] = {"code": rng.randrange(-40000, 0), "message": "x"}
            del message["method"]
        elif mutation == 3:
            del message["method"]
        elif mutation == 4:
            message["method"] = rng.choice([5, None, [], {"a": 1}])
        else:
            message["result"] = rng.choice(WILD_VALUES)
        case.expect.append(msg_id)
        case.message(message)
        return case

    # --- methods and params -------------------------------------------------------------

    def params(self, case: Case) -> Case:
        method, params = self._template()
        for _ in range(self.rng.randrange(0, 4)):
            params = self._mutate(params)
        if method.startswith("textDocument/did") or method.startswith("workspace/did") or method.startswith("$/"):
            case.notify(method, params)
        else:
            case.request(self.next_id(), method, params)
        return case

    def _template(self) -> tuple[str, Any]:
        rng = self.rng
        uri = rng.choice(list(self.documents) or [self.root_uri + "/nowhere.py"])
        document = self.documents.get(uri)
        position = self.position(document)
        text_range = {"start": position, "end": self.position(document)}
        diagnostic = {"range": text_range, "message": rng.choice(["undefined name x", "", "E" * 300]),
                      "severity": 1, "source": "fuzz", "data": rng.choice(WILD_VALUES)}
        target = {"uri": uri, "diagnostic": diagnostic}
        templates = [
            ("textDocument/inlineCompletion", {"textDocument": {"uri": uri}, "position": position,
                                               "context": {"triggerKind": rng.choice([1, 2])}}),
            ("textDocument/completion", {"textDocument": {"uri": uri}, "position": position}),
            ("textDocument/copilotInlineEdit", {"textDocument": {"uri": uri, "version": rng.choice(WILD_VALUES)},
                                                "position": position}),
            ("textDocument/didShowInlineEdit", {"item": {"command": {"arguments": [rng.choice(WILD_VALUES)]}}}),
            ("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": text_range,
                                         "context": {"diagnostics": [diagnostic]}}),
            ("codeAction/resolve", {"title": "Fix this error", "kind": "quickfix", "diagnostics": [diagnostic],
                                    "data": {"coderLsp": "fix", "version": 1, **target}}),
            ("workspace/executeCommand", {"command": rng.choice(COMMANDS), "arguments": [target]}),
            ("textDocument/didSave", {"textDocument": {"uri": uri}}),
            ("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri, "type": rng.choice([1, 2, 3])}]}),
            ("workspace/didChangeConfiguration", {"settings": {"coderLsp": {"maxTokens": 8}}}),
            ("$/cancelRequest", {"id": rng.choice([f"fz-{self._ids}", self._ids, None])}),
            ("$/setTrace", {"value": rng.choice(["off", "verbose", "loud"])}),
            ("window/workDoneProgress/cancel", {"token": rng.choice(["t", 1])}),
            ("textDocument/hover", {"textDocument": {"uri": uri}, "position": position}),
            ("coderLsp/unknown", {"x": 1}),
            ("initialize", {"capabilities": {}, "rootUri": "file:///"}),
        ]
        return rng.choice(templates)

    def _mutate(self, value: Any) -> Any:
        rng = self.rng
        if isinstance(value, dict) and value and rng.random() < 0.8:
            key = rng.choice(list(value))
            mutated = dict(value)
            action = rng.randrange(4)
            if action == 0:
                del mutated[key]
            elif action == 1:
                mutated[key] = rng.choice(WILD_VALUES)
            elif action == 2:
                mutated[key] = self._mutate(value[key])
            else:
                mutated[rng.choice(["extra", "__proto__", key.upper()])] = rng.choice(WILD_VALUES)
            return mutated
        if isinstance(value, list) and value and rng.random() < 0.7:
            return [self._mutate(item) for item in value] if rng.random() < 0.5 else value * rng.randrange(0, 3)
        return rng.choice(WILD_VALUES)

    def position(self, document: Document | None) -> dict:
        rng = self.rng
        if document is not None and rng.random() < 0.6:
            return document.random_position(rng)
        big = rng.choice([0, 1, 7, 2**31 - 1, 10_000])
        return {"line": rng.choice([0, big]), "character": rng.choice([0, big])}

    # --- documents ----------------------------------------------------------------------

    def document(self, case: Case) -> Case:
        """didOpen a new document: huge, binary, odd line breaks, long lines; then a completion in it."""
        rng = self.rng
        uri = self._new_uri()
        text = self._text()
        self.documents[uri] = Document(text)
        if len(self.documents) > 12:  # keep the server's open set (and memory) bounded
            old = next(iter(self.documents))
            del self.documents[old]
            case.notify("textDocument/didClose", {"textDocument": {"uri": old}})
        case.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": rng.choice(
            ["python", "javascript", "rust", "plaintext", "", "x" * 100]), "version": 1, "text": text}})
        case.request(self.next_id(), "textDocument/inlineCompletion", {
            "textDocument": {"uri": uri}, "position": self.position(self.documents[uri]), "context": {"triggerKind": 1}})
        return case

    def _new_uri(self) -> str:
        rng = self.rng
        number = self._ids + rng.randrange(10**6)
        return rng.choice([
            f"{self.root_uri}/doc{number}.py", f"{self.root_uri}/sub%20dir/d{number}.rs",
            f"untitled:Untitled-{number}", f"{self.root_uri}/{'n' * 200}{number}.js",
            f"{self.root_uri}/../outside{number}.py", f"{self.root_uri}/%E2%80%AE{number}.py",
        ])

    def _text(self) -> str:
        rng = self.rng
        run_cap, size_cap = self.run_cap, self.size_cap
        kind = rng.randrange(6)
        if kind == 0:
            return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 2000)))
        if kind == 1:  # binary: every byte value as a character
            return "".join(chr(rng.randrange(0, 256)) for _ in range(rng.randrange(1, 5000)))
        if kind == 2:  # a long single line of short words
            return " ".join("w%d" % rng.randrange(100) for _ in range(rng.randrange(10, size_cap)))
        if kind == 3:  # many lines
            return "def f(x):\n    return x\n" * rng.randrange(1, size_cap // 2)
        if kind == 4:  # a long run of word characters
            return "data = '" + "A" * rng.randrange(10, run_cap) + "'\n"
        return rng.choice(["", "\r\n" * 1000, "\r" * 500, "\x0c\x0b" * 300, "\u2028" * 200, "\ud800\udc00" * 10])

    def edits(self, case: Case) -> Case:
        """Random incremental edits to an open document, then an inline probe whose offset must match."""
        rng = self.rng
        if not self.documents:
            return self.document(case)
        uri = rng.choice(list(self.documents))
        document = self.documents[uri]
        changes = []
        for _ in range(rng.randrange(1, 8)):
            start = document.random_position(rng, past_end=rng.random() < 0.1)
            end = start if rng.random() < 0.5 else max(start, document.random_position(rng), key=document.order)
            text = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 6)))
            changes.append({"range": {"start": start, "end": end}, "text": text})
            document.apply(start, end, text)
        document.version += 1
        case.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": document.version},
                                               "contentChanges": changes})
        position = document.random_position(rng)
        msg_id = self.next_id()
        case.request(msg_id, "textDocument/inlineCompletion", {
            "textDocument": {"uri": uri}, "position": position, "context": {"triggerKind": 1}})
        case.probe = (uri, document.version, document.offset(position), msg_id)
        return case


KINDS = ("framing", "garbage", "envelope", "params", "params", "params", "document", "edits", "edits")

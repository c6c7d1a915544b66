"""Outside changes (git checkout, formatters, other editors) fed to the index by watchdog.

Events for vendored folders are dropped by the index; a directory event asks
for a rescan of that folder, which also catches files that appeared or
vanished without their own events (a moved folder, a branch switch).
"""

from __future__ import annotations

from typing import Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

IGNORED_EVENTS = frozenset({"opened", "closed", "closed_no_write"})


class EventSink(Protocol):
    root: str

    def on_filesystem_event(self, path: str, is_directory: bool) -> None: ...


class _Forwarder(FileSystemEventHandler):
    def __init__(self, sink: EventSink) -> None:
        self.sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in IGNORED_EVENTS:
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                self.sink.on_filesystem_event(_text(path), event.is_directory)


def _text(path: str | bytes) -> str:
    return path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path


def start_observer(sink: EventSink):
    observer = Observer()
    observer.daemon = True
    observer.schedule(_Forwarder(sink), sink.root, recursive=True)
    observer.start()
    return observer

"""A producer thread handing items to a reading generator through a bounded queue."""
from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from queue import Full, Queue
from typing import Generic, TypeVar, cast

T = TypeVar("T")
_END = object()


class Handoff(Generic[T]):
    """A bounded queue between one producer thread and one reader; the reader's closing stops both."""

    def __init__(self, depth: int) -> None:
        # The producer's items (T), then _END or the exception it raised.
        self.queue: Queue[object] = Queue(maxsize=depth)
        self.stop = threading.Event()

    def put(self, item: object) -> bool:
        """Block until `item` is queued, or the reader has gone (False)."""
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def run(self, produce: Callable[[], None], name: str) -> Generator[T, None, None]:
        """Run `produce` (which calls `put`) on a thread; yield what it puts, raise what it raises."""
        def target() -> None:
            try:
                produce()
                self.put(_END)
            except BaseException as exc:  # handed to the reader, which raises it
                self.put(exc)

        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        try:
            while (item := self.queue.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield cast(T, item)  # neither _END nor an exception: one of the producer's items
        finally:
            self.stop.set()
            thread.join()

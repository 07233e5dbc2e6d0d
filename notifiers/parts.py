"""Messages sent in several parts (a channel's length limit): which parts already went out, so a
retry after a failure at part k continues with part k instead of repeating what the person has."""

from __future__ import annotations

from collections import OrderedDict

from notifiers.base import NotifierError

REMEMBERED = 1000   # partly sent messages kept for resuming; older ones are forgotten


class PartProgress:
    """Per (message key, destination): how many parts went out and the last part's id."""

    def __init__(self, keep: int = REMEMBERED):
        self._done: OrderedDict[tuple[str, str], tuple[int, str]] = OrderedDict()
        self._keep = keep

    def resume(self, key: tuple[str, str]) -> tuple[int, str]:
        """(parts already sent, the last one's id) — (0, "") for a fresh message."""
        return self._done.get(key, (0, ""))

    def failed(self, key: tuple[str, str], index: int, total: int, last_id: str,
               error: NotifierError) -> NotifierError:
        """Part `index` failed: remember what went before it; the error says so."""
        if index == 0:
            return error
        self._done[key] = (index, last_id)
        self._done.move_to_end(key)
        while len(self._done) > self._keep:
            self._done.popitem(last=False)
        return error.reworded(f"{error} (part {index + 1} of {total}; "
                              f"{index} already sent, a retry continues from here)")

    def finished(self, key: tuple[str, str]) -> None:
        self._done.pop(key, None)

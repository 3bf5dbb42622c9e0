"""The processes of this machine as /proc shows them, for the tests that check a run leaves none behind."""

import os
from pathlib import Path


def processes() -> dict[int, tuple[int, str, int]]:
    """Every live process (zombies left out): pid -> (parent pid, command line, resident kB)."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            command = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state == "Z":
            continue
        rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        found[int(name)] = (int(ppid), command.strip(), rss)
    return found


def descendants(root: int, itself: bool = False) -> dict[int, tuple[int, str, int]]:
    """The live descendants of `root` (and `root` itself when asked): pid -> (parent pid, command line, kB)."""
    table = processes()
    found = {root: table[root]} if itself and root in table else {}
    todo = [root]
    while todo:
        parent = todo.pop()
        for pid, row in table.items():
            if row[0] == parent and pid not in found:
                found[pid] = row
                todo.append(pid)
    return found

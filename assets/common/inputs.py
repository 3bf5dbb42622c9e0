"""The input files of the data folder, listed and opened so that nothing outside it is ever read.

Every reader of `entrees/` lists its folder with `list_inputs` and reads a file with `read_input`
(`parametrage.yaml`: `read_inside`). Each folder on the way from the data folder down to the file is opened
relative to the one above it without following a symbolic link (`O_NOFOLLOW`), and the file itself must be
a regular file, checked before it is opened (`lstat`) and again on what was opened (`fstat`), before a byte
of it is read. So a symbolic link, a FIFO, a device, a socket, or a folder named like an input is refused by
name, with an error like any unreadable file, and nothing is opened: a FIFO never blocks the close, a link
to /etc/passwd, /proc/self/environ or a statement elsewhere is never read.

Links are refused even when they lead back inside the data folder: an input is a file someone drops there
(docs/contract.md), no workflow needs a link, and a link inside would still make a file read twice under two names,
a month read another month's extract, or an input read from `sorties/` or the warehouse itself. The message
says to drop the file itself. The data folder (`RECETTES_HOME`) may itself be reached through a link.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assets.common.csvfile import MAX_BYTES, UnreadableFile, read_from
from assets.common.workbook import TABLE_SUFFIXES

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO put in place of the file after it was checked does not block the open; O_NOCTTY: nor does a
# terminal become the process's own
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def _what(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "fichier"
    if stat.S_ISLNK(mode):
        return "lien symbolique"
    if stat.S_ISDIR(mode):
        return "dossier"
    if stat.S_ISFIFO(mode):
        return "tube nommé (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "périphérique"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "fichier spécial"


def refusal(name: str, mode: int, folder: str | None = None) -> str:
    """Why `name` is not read: it (or its folder `folder`) is not what an input is."""
    what = _what(mode)
    if folder is not None:
        return f"{name} : « {folder} » est un {what}, pas un dossier ; refusé, non lu"
    if stat.S_ISLNK(mode):
        return (
            f"{name} : lien symbolique, refusé, non lu (il peut mener hors du dossier de données) ; "
            "déposez le fichier lui-même"
        )
    return f"{name} : {what}, pas un fichier ordinaire ; refusé, non lu"


def _parts(relative: str) -> list[str]:
    parts = relative.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"chemin d'entrée invalide : {relative!r}")
    return parts


def _open_folder(base: Path, parts: list[str], name: str, error: type[Exception]) -> int:
    """A descriptor of base/parts…, every part opened without following a link; FileNotFoundError when one
    is absent, `error` when one is not a folder."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts:
            mode = os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode
            if not stat.S_ISDIR(mode):
                raise error(refusal(name, mode, folder=part))
            try:
                inner = os.open(part, _DIRECTORY, dir_fd=fd)
            except OSError as exc:  # replaced by a link or a file since its stat
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise error(refusal(name, stat.S_IFLNK, folder=part)) from None
                raise
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_inside(
    base: Path, relative: str, name: str, limit: int = MAX_BYTES, error: type[Exception] = UnreadableFile
) -> bytes:
    """The bytes of the regular file base/relative (`relative` with "/" between its parts), of at most
    `limit` bytes; `name` is how messages call it. A link, a special file or a folder anywhere below `base` is
    refused (`error`) without being opened, and so is a larger file, before it is read: never more than
    `limit` + 1 bytes are read. An absent file raises FileNotFoundError; any other failure, `error`."""
    try:
        return _read_inside(base, relative, name, limit, error)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise error(f"{name} : illisible ({exc.strerror or exc})") from None


def _read_inside(base: Path, relative: str, name: str, limit: int, error: type[Exception]) -> bytes:
    *folders, file = _parts(relative)
    fd = _open_folder(base, folders, name, error)
    try:
        before = os.stat(file, dir_fd=fd, follow_symlinks=False)
        if not stat.S_ISREG(before.st_mode):
            raise error(refusal(name, before.st_mode))
        try:
            file_fd = os.open(file, _FILE, dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # replaced by a link since its stat
                raise error(refusal(name, stat.S_IFLNK)) from None
            raise
    finally:
        os.close(fd)
    with os.fdopen(file_fd, "rb") as f:
        opened = os.fstat(file_fd)
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            raise error(f"{name} : remplacé pendant sa lecture ; refusé, non lu")
        os.set_blocking(file_fd, True)
        return read_from(f, name, limit, error)


def read_input(entrees: Path, relative: str, limit: int = MAX_BYTES, error: type[Exception] = UnreadableFile) -> bytes:
    """The bytes of entrees/relative (e.g. "banque/releve.xml", which messages call it), read as `read_inside`
    from the data folder: `entrees` itself is not followed when it is a link."""
    return read_inside(entrees.parent, f"{entrees.name}/{relative}", relative, limit, error)


def read_if_present(
    entrees: Path, relative: str, limit: int = MAX_BYTES, error: type[Exception] = UnreadableFile
) -> bytes | None:
    """`read_input`, or None when there is no such file (nor folder on its way)."""
    try:
        return read_input(entrees, relative, limit, error)
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class Input:
    """One entry of a folder of inputs: its path relative to entrees/ (as messages name it), and the reason
    it is refused when its folder cannot be listed (a link or a file in the folder's place)."""

    entrees: Path
    path: str
    refused: str | None = None

    def read(self, limit: int = MAX_BYTES, error: type[Exception] = UnreadableFile) -> bytes:
        if self.refused is not None:
            raise error(self.refused)
        return read_input(self.entrees, self.path, limit, error)


def list_inputs(entrees: Path, folder: str, suffixes: Collection[str] | None) -> list[Input]:
    """The entries of entrees/folder (e.g. "activite/2025-03") whose name ends with one of `suffixes` (in any
    case; None: every entry), sorted by name, whatever they are: links and special files so named are listed
    for `Input.read` to refuse them by name. None when the folder is absent; when it cannot be listed, one
    entry, the folder, whose reading says why."""
    try:
        fd = _open_folder(entrees.parent, [entrees.name, *_parts(folder)], folder, UnreadableFile)
        try:
            names = os.listdir(fd)
        finally:
            os.close(fd)
    except FileNotFoundError:
        return []
    except UnreadableFile as exc:
        return [Input(entrees, folder, str(exc))]
    except OSError as exc:
        return [Input(entrees, folder, f"{folder} : dossier illisible ({exc.strerror or exc})")]
    endings = tuple(s.lower() for s in suffixes) if suffixes is not None else ("",)
    return [Input(entrees, f"{folder}/{n}") for n in sorted(names) if n.lower().endswith(endings)]


def read_table_input(
    entrees: Path, relative: str, limit: int = MAX_BYTES, error: type[Exception] = UnreadableFile
) -> tuple[str, bytes] | None:
    """The path and bytes of the input `relative` (e.g. "referentiel/usagers.csv"), or of the workbook dropped in
    its place (usagers.xlsx, .xls, .ods; the endings in any case); None when there is none. Two of them (the
    CSV and a workbook, two workbooks) are two versions of one file: refused (`error`), naming both, none read."""
    folder, _, file = relative.rpartition("/")
    stem = PurePosixPath(file).stem.lower()
    names = {stem + suffix for suffix in TABLE_SUFFIXES}
    found = [
        entry
        for entry in list_inputs(entrees, folder, None)
        if entry.refused is not None or entry.path.rpartition("/")[2].lower() in names
    ]
    if not found:
        return None
    if len(found) > 1:
        paths = " et ".join(entry.path for entry in found)
        raise error(f"{relative} : deux versions du même fichier, {paths} ; retirez celle qui n'est pas la bonne")
    return found[0].path, found[0].read(limit, error)

"""Open a OneRoster package (a zip or a directory) and hand out its files as text streams.

Zips come from outside, so they are checked before a single row is read: no
member may leave the package root, none may be an archive itself, and the
member count, the declared uncompressed total and each member's compression
ratio are capped. Headers can lie, so the bytes actually inflated are counted
too, against the member's declared size and the running total. Rows stream out
of the zip; nothing is extracted to disk.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from mapping.records import FeedError
from oneroster.options import ReadOptions

ARCHIVE_SUFFIXES = (".zip", ".jar", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst")
# Tiny members compress arbitrarily well (a header-only CSV) and cannot hurt.
RATIO_FLOOR = 1024 * 1024
UNBOUNDED = 1 << 62
_DRIVE = re.compile(r"^[A-Za-z]:")
# Written by archivers and desktops; never part of a package.
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


def _unsafe(name: str) -> bool:
    """Whether a member name points outside the package root."""
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(_DRIVE.match(path)) or ".." in path.split("/")


def junk(name: str) -> bool:
    """Whether a member is archiver or desktop litter, ignored without a word."""
    return name.startswith(_JUNK[0]) or PurePosixPath(name).name in _JUNK[1:]


class _Counted(io.RawIOBase):
    """A member's bytes, refused past its declared size or the package's budget."""

    def __init__(self, inner: IO[bytes], name: str, declared: int, budget: _Budget) -> None:
        self._inner, self._name, self._declared, self._budget = inner, name, declared, budget
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            raise FeedError(
                f"the zip is damaged: {err}", code="zip_corrupt", file=self._name
            ) from err
        self._read += len(data)
        if self._read > self._declared:
            raise FeedError(
                f"{self._name} inflates past the {self._declared} bytes its header declares",
                code="zip_bomb",
                file=self._name,
            )
        self._budget.spend(len(data), self._name)
        buffer[: len(data)] = data
        return len(data)


class _Budget:
    """Uncompressed bytes the whole package may still inflate to."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, size: int, name: str) -> None:
        """Count inflated bytes; refuse the package once past the limit."""
        self.used += size
        if self.used > self.limit:
            raise FeedError(
                f"the package inflates past {self.limit} bytes", code="zip_bomb", file=name
            )


class Package:
    """The files of one package, by their name relative to the package root."""

    def __init__(self, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.display = options.file or path.name
        self.max_line_bytes = options.max_line_bytes
        self.column_bytes = options.column_bytes
        self._zip: zipfile.ZipFile | None = None
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self._budget = _Budget(options.max_total_bytes)
        self.names: list[str] = []
        self.outside: list[str] = []  # files below the root, which the binding does not use
        if path.is_dir():
            self._open_folder()
        else:
            self._open_zip(options)

    def _open_folder(self) -> None:
        """List a folder's files; a link, which could point anywhere, refuses the package."""
        root = self.path.resolve()
        entries = sorted(self.path.iterdir())
        for entry in entries:
            if entry.is_symlink() or not entry.resolve().is_relative_to(root):
                raise FeedError(
                    f"{entry.name} is a link; a package folder must hold its files itself",
                    code="package_link",
                    file=entry.name,
                )
        self.names = [p.name for p in entries if p.is_file() and not junk(p.name)]
        self.outside = [p.name + "/" for p in entries if p.is_dir()]

    def _open_zip(self, options: ReadOptions) -> None:
        try:
            self._zip = zipfile.ZipFile(self.path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
            raise FeedError(
                f"{self.display} is a damaged zip: its central directory (the list of "
                "its files, at the end) is missing or broken, as when a download or copy is "
                f"cut short; nothing was read ({err})",
                code="zip_corrupt",
                file=self.display,
            ) from err
        check_members(infos, options, self.display)
        files = [i for i in infos if not i.is_dir() and not junk(i.filename)]
        root = _root(files)
        for info in files:
            relative = info.filename.removeprefix(root)
            if "/" in relative:
                self.outside.append(info.filename)
            else:
                self._infos[relative] = info
        self.names = sorted(self._infos)

    def close(self) -> None:
        """Close the zip, if any."""
        if self._zip is not None:
            self._zip.close()

    @contextmanager
    def open_text(self, name: str) -> Iterator[IO[str]]:
        """One file as UTF-8 text; bytes that are not UTF-8 are escaped, for ``Lines`` to report."""
        with (
            self._open_bytes(name) as raw,
            io.TextIOWrapper(raw, "utf-8", "surrogateescape", newline="") as text,
        ):
            yield text

    def size(self, name: str) -> int:
        """One file's size in bytes, as its zip header or the file system says."""
        if self._zip is None:
            return (self.path / name).stat().st_size
        return self._infos[name].file_size

    def read_bytes(self, name: str) -> bytes:
        """One file whole, counted against the package's limits as a stream is."""
        with self._open_bytes(name) as raw:
            return raw.read()

    @contextmanager
    def _open_bytes(self, name: str) -> Iterator[IO[bytes]]:
        if self._zip is None:
            with (self.path / name).open("rb") as fh:
                yield fh
            return
        info = self._infos[name]
        # zipfile cuts a member off at its declared size and then fails on the CRC; let it
        # inflate on (a read at a time, so memory stays bounded) and let _Counted judge.
        roomy = copy.copy(info)
        roomy.file_size = UNBOUNDED
        try:
            member = self._zip.open(roomy)
        except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError) as err:
            raise FeedError(f"cannot open {name}: {err}", code="zip_corrupt", file=name) from err
        with member:
            yield io.BufferedReader(_Counted(member, name, info.file_size, self._budget))


def check_members(infos: list[zipfile.ZipInfo], options: ReadOptions, display: str) -> None:
    """Refuse a zip with an escaping or archive member, too many members, or a bomb's sizes."""
    if len(infos) > options.max_members:
        raise FeedError(
            f"the zip has {len(infos)} members; at most {options.max_members} are read",
            code="zip_bomb",
            file=display,
        )
    total, seen = 0, set()
    for info in infos:
        name = info.filename
        if name in seen:
            raise FeedError(
                f"the zip holds {name!r} twice; which one is meant cannot be told",
                code="zip_duplicate",
                file=display,
            )
        seen.add(name)
        if _unsafe(name):
            raise FeedError(
                f"member {name!r} points outside the package",
                code="zip_path_traversal",
                file=display,
            )
        if name.lower().endswith(ARCHIVE_SUFFIXES):
            raise FeedError(
                f"member {name!r} is an archive inside the zip", code="zip_nested", file=display
            )
        if info.flag_bits & 0x1:
            raise FeedError(f"member {name!r} is encrypted", code="zip_corrupt", file=display)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > options.max_ratio:
            raise FeedError(
                f"member {name!r} inflates {ratio:.0f} times (limit {options.max_ratio})",
                code="zip_bomb",
                file=display,
            )
    if total > options.max_total_bytes:
        raise FeedError(
            f"the zip declares {total} bytes uncompressed; the limit is {options.max_total_bytes}",
            code="zip_bomb",
            file=display,
        )


def _root(files: list[zipfile.ZipInfo]) -> str:
    """The package root: the top, or the one folder every file sits in."""
    tops = {info.filename.split("/", 1)[0] for info in files}
    if len(tops) == 1 and all("/" in info.filename for info in files):
        return tops.pop() + "/"
    return ""


def zip_like(path: Path) -> bool:
    """Whether ``path`` is a zip file, or starts as one (a zip cut short is a damaged zip)."""
    if zipfile.is_zipfile(path):
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


@contextmanager
def opened(path: Path, options: ReadOptions) -> Iterator[Package]:
    """Open a package, or fail the feed when the path is no package at all."""
    if not path.exists():
        raise FeedError(
            f"{path}: no such file or directory", code="unreadable", file=options.file or path.name
        )
    package = Package(path, options)
    try:
        yield package
    finally:
        package.close()

"""The zip rules: exactly one .txt or .csv entry, nothing hidden, nested, encrypted or unsafe."""

from __future__ import annotations

import os
import re
import struct
import zipfile
from collections.abc import Callable
from typing import BinaryIO

from pushes.packages import rules, wording
from pushes.packages.result import FileProblem

_OS_METADATA = {".ds_store", "thumbs.db", "desktop.ini"}
_DRIVE = re.compile(r"[A-Za-z]:")
_ENCRYPTED = 0x1  # general purpose flag bit 0
_END_RECORD = b"PK\x05\x06"
_END_RECORD_BYTES = 22
_MAX_COMMENT_BYTES = 0xFFFF
# Far more than one entry needs (46 bytes plus its name and extras), far less than the gigabytes
# zipfile would spend on an object per entry for millions of empty entries.
_MAX_ENTRIES = 1000
_MAX_DIRECTORY_BYTES = 1024 * 1024


def _unsafe(name: str) -> bool:
    # Names that would escape an extraction directory ("zip slip"), whichever tool unpacks it.
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or bool(_DRIVE.match(name))
        or ".." in name.split("/")
    )


def _os_metadata(name: str) -> bool:
    base = name.rstrip("/").rsplit("/", 1)[-1]
    return (
        name.startswith("__MACOSX/")
        or base == "__MACOSX"
        or base.lower() in _OS_METADATA
        or base.startswith("._")
    )


def _folder(name: str) -> str:
    return name.split("/", 1)[0] + "/"


def check_directory(stream: BinaryIO) -> None:
    """Refuse a zip listing far too many entries before zipfile reads its list.

    Reads the end record's entry count and directory size (0xFFFF and 0xFFFFFFFF, the zip64
    markers, exceed both limits: a single file of at most 100 MB never needs zip64). A zip
    without an end record is left to zipfile, which reports it as corrupt.
    """
    start = stream.tell()
    end = stream.seek(0, os.SEEK_END)
    stream.seek(max(start, end - _END_RECORD_BYTES - _MAX_COMMENT_BYTES))
    tail = stream.read()
    stream.seek(start)
    at = tail.rfind(_END_RECORD)
    if at < 0 or len(tail) - at < _END_RECORD_BYTES:
        return
    entries, directory_bytes = struct.unpack_from("<HI", tail, at + 10)
    if entries > _MAX_ENTRIES or directory_bytes > _MAX_DIRECTORY_BYTES:
        raise FileProblem(wording.ZIP_TOO_MANY)


def pick_entry(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The zip's one .txt or .csv entry; :class:`FileProblem` explains any other content.

    Checks run over every entry, most serious first, so a zip with both a hidden file and a
    folder is reported for the hidden file.
    """
    entries = archive.infolist()
    if not entries:
        raise FileProblem(wording.ZIP_EMPTY)
    for problem_of in _ENTRY_CHECKS:
        for entry in entries:
            if problem := problem_of(entry):
                raise FileProblem(problem)
    if len(entries) > 1:
        names = ", ".join(rules.display(entry.filename) for entry in entries[:3])
        more = ", …" if len(entries) > 3 else ""
        raise FileProblem(wording.ZIP_SEVERAL % {"count": len(entries), "names": names + more})
    entry = entries[0]
    if rules.file_format(entry.filename) not in {"txt", "csv"}:
        raise FileProblem(wording.ZIP_OTHER % {"name": rules.display(entry.filename)})
    return entry


def _unsafe_name(entry: zipfile.ZipInfo) -> str | None:
    if not _unsafe(entry.filename):
        return None
    return wording.ZIP_UNSAFE_NAME % {"name": rules.display(entry.filename)}


def _encrypted(entry: zipfile.ZipInfo) -> str | None:
    if not entry.flag_bits & _ENCRYPTED:
        return None
    return wording.ZIP_PASSWORD % {"name": rules.display(entry.filename)}


def _hidden(entry: zipfile.ZipInfo) -> str | None:
    if not _os_metadata(entry.filename):
        return None
    return wording.ZIP_HIDDEN % {"name": rules.display(entry.filename)}


def _in_folder(entry: zipfile.ZipInfo) -> str | None:
    if "/" not in entry.filename:
        return None
    return wording.ZIP_FOLDER % {"name": rules.display(_folder(entry.filename))}


def _nested_zip(entry: zipfile.ZipInfo) -> str | None:
    if not entry.filename.lower().endswith(".zip"):
        return None
    return wording.ZIP_NESTED % {"name": rules.display(entry.filename)}


# Most serious first: each runs over every entry before the next one does.
_ENTRY_CHECKS: tuple[Callable[[zipfile.ZipInfo], str | None], ...] = (
    _unsafe_name,
    _encrypted,
    _hidden,
    _in_folder,
    _nested_zip,
)

"""The zip rules: exactly one .txt or .csv entry, nothing hidden, nested, encrypted or unsafe."""

from __future__ import annotations

import re
import zipfile

from pushes.packages import rules
from pushes.packages.result import FileProblem

_OS_METADATA = {".ds_store", "thumbs.db", "desktop.ini"}
_DRIVE = re.compile(r"[A-Za-z]:")
_ENCRYPTED = 0x1  # general purpose flag bit 0


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


def pick_entry(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The zip's one .txt or .csv entry; :class:`FileProblem` explains any other content.

    Checks run over every entry, most serious first, so a zip with both a hidden file and a
    folder is reported for the hidden file.
    """
    entries = archive.infolist()
    if not entries:
        raise FileProblem("the zip archive is empty; it must contain one .txt or .csv file")
    for entry in entries:
        if _unsafe(entry.filename):
            raise FileProblem(
                f"the zip contains an unsafe file name ({rules.display(entry.filename)}); "
                "zip just the one .txt or .csv file"
            )
    for entry in entries:
        if entry.flag_bits & _ENCRYPTED:
            raise FileProblem(
                f"the zip is password-protected ({rules.display(entry.filename)}); "
                "zip the file without a password"
            )
    for entry in entries:
        if _os_metadata(entry.filename):
            raise FileProblem(
                f"the zip contains hidden system files ({rules.display(entry.filename)}); "
                "zip just the one .txt or .csv file, without __MACOSX or .DS_Store entries"
            )
    for entry in entries:
        if "/" in entry.filename:
            raise FileProblem(
                f"the zip contains a folder ({rules.display(_folder(entry.filename))}); "
                "zip the .txt or .csv file itself, not a folder"
            )
    for entry in entries:
        if entry.filename.lower().endswith(".zip"):
            raise FileProblem(
                f"the zip contains another zip archive ({rules.display(entry.filename)}); "
                "nested zips are not accepted"
            )
    if len(entries) > 1:
        names = ", ".join(rules.display(entry.filename) for entry in entries[:3])
        more = ", …" if len(entries) > 3 else ""
        raise FileProblem(
            f"the zip contains {len(entries)} files ({names}{more}); "
            "it must contain exactly one .txt or .csv file"
        )
    entry = entries[0]
    if rules.file_format(entry.filename) not in {"txt", "csv"}:
        raise FileProblem(
            f"the zip contains {rules.display(entry.filename)}; "
            "it must contain one .txt or .csv file"
        )
    return entry

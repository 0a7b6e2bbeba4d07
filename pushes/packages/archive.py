"""The zip rules: exactly one .txt or .csv entry, nothing hidden, nested, encrypted or unsafe."""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
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
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, …, name length, extra field length
_LOCAL_SIGNATURE = b"PK\x03\x04"
_UTF8_NAME = 0x800  # general purpose flag bit 11
# Compressed bytes read at a time: for text, enough to fill a scan chunk in one inflate call.
_COMPRESSED_CHUNK = 1024 * 1024
_READ_BYTES = 2 * 1024 * 1024


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


class EntryStream:
    """The data of one zip entry, inflated from its whole compressed stream.

    zipfile stops reading at the uncompressed size the headers declare and checks the CRC of
    only that much, so a deflate stream that goes on inflating past it (to a zip bomb's
    worth) passes, while a tool reading the whole stream gets all of it. Here every one of the
    entry's compressed bytes (its declared compressed size) goes through our own inflater, and
    :class:`FileProblem` refuses the zip once more comes out than the header declares, when
    less does, when the deflate stream does not end exactly at the last compressed byte, or
    when the CRC-32 of everything that came out is not the declared one. The caller refuses a
    declared size over 100 MB first, so inflating costs at most that plus one chunk. Stored
    entries (no compression) get the same checks; other methods raise ``NotImplementedError``.
    """

    def __init__(self, source: BinaryIO, entry: zipfile.ZipInfo) -> None:
        if entry.compress_type not in {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}:
            raise NotImplementedError(entry.compress_type)
        self._source = source
        self._name = rules.display(entry.filename)
        self._declared = entry.file_size
        self._declared_crc = entry.CRC
        self._left = entry.compress_size  # compressed bytes not read yet
        self._inflater = (
            zlib.decompressobj(-zlib.MAX_WBITS)
            if entry.compress_type == zipfile.ZIP_DEFLATED
            else None
        )
        self._tail = b""  # compressed bytes read but not inflated yet
        self._crc = 0
        self._done = False
        self.count = 0  # uncompressed bytes handed out
        source.seek(_data_offset(source, entry))

    def read(self, size: int = -1) -> bytes:
        """``size`` uncompressed bytes (fewer only at the end); ``b""`` once the whole entry
        checked out."""
        size = _READ_BYTES if size is None or size < 0 else size
        pieces: list[bytes] = []
        wanted = size
        while wanted and not self._done:
            data = self._stored(wanted) if self._inflater is None else self._inflate(wanted)
            if data:
                self.count += len(data)
                if self.count > self._declared:
                    raise self._problem(wording.ZIP_DATA_LONGER)
                self._crc = zlib.crc32(data, self._crc)
                pieces.append(data)
                wanted -= len(data)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def _stored(self, size: int) -> bytes:
        data = self._compressed(size)
        if not data:
            self._finish()
        return data

    def _inflate(self, size: int) -> bytes:
        inflater = self._inflater
        assert inflater is not None
        if inflater.eof:
            # Nothing may follow the end of the deflate stream within the entry's bytes.
            if inflater.unused_data or self._tail or self._left:
                raise self._problem(wording.ZIP_DATA_STREAM)
            self._finish()
            return b""
        if not self._tail:
            self._tail = self._compressed(_COMPRESSED_CHUNK)
            if not self._tail:  # every compressed byte read, and the stream goes on
                raise self._problem(wording.ZIP_DATA_STREAM)
        data = inflater.decompress(self._tail, size)
        self._tail = inflater.unconsumed_tail
        return data

    def _compressed(self, size: int) -> bytes:
        if not self._left:
            return b""
        data = self._source.read(min(size, self._left))
        if not data:  # the archive ends inside the entry's data
            raise self._problem(wording.ZIP_DATA_STREAM)
        self._left -= len(data)
        return data

    def _finish(self) -> None:
        if self.count < self._declared:
            raise self._problem(wording.ZIP_DATA_SHORTER)
        if self._crc != self._declared_crc:
            raise self._problem(wording.ZIP_DATA_CRC)
        self._done = True

    def _problem(self, template: str) -> FileProblem:
        return FileProblem(template % {"name": self._name, "size": f"{self._declared:,}"})


def _data_offset(source: BinaryIO, entry: zipfile.ZipInfo) -> int:
    """Where the entry's compressed bytes start, after its local header (checked as zipfile
    does: the signature, and the same name as in the central directory)."""
    source.seek(entry.header_offset)
    header = source.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size:
        raise zipfile.BadZipFile("truncated local file header")
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != _LOCAL_SIGNATURE:
        raise zipfile.BadZipFile("bad local file header signature")
    encoding = "utf-8" if entry.flag_bits & _UTF8_NAME else "cp437"
    if source.read(name_length) != entry.orig_filename.encode(encoding):
        raise zipfile.BadZipFile(
            f"file name in the directory and the header of {entry.filename!r} differ"
        )
    return entry.header_offset + _LOCAL_HEADER.size + name_length + extra_length

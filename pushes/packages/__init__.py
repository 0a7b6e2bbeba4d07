"""Account packages: streaming validation against the TPNS rules, and reading the accounts back.

The TPNS console rules (tpns-api.md §4), enforced exactly:

- File name of 1–100 characters, extension ``.zip``, ``.txt`` or ``.csv`` in any case. The name is
  checked as given; callers pass the base name the user uploaded.
- At most ``MAX_PACKAGE_BYTES`` (100 MiB). A stream that can seek is measured without being read;
  any other is refused as soon as one byte past the limit has been read.
- ``.txt``: UTF-8, one account per line, 2–100 characters each.
- ``.csv``: one column, one account per row, 2–100 characters each (RFC 4180 quoting).
- ``.zip``: exactly one ``.txt`` or ``.csv`` entry and nothing else: no folder (no directory entry,
  no ``/`` in a name), no ``__MACOSX/``, ``.DS_Store``, ``._*``, ``Thumbs.db`` or ``desktop.ini``,
  no password (flag bit 0), no zip inside, no name that could escape a folder (``../x.txt``,
  ``/x.txt``, ``C:x.txt``, backslashes). The entry's whole compressed stream is inflated by the
  validator itself (zipfile stops at the size the headers declare, where a tool reading the
  whole stream would not): it is refused when more or less comes out than its headers declare,
  when the deflate stream does not end at its last compressed byte, when the CRC-32 of
  everything inflated differs, or when it declares more than 100 MiB; so a zip bomb costs at
  most 100 MiB of inflating and one chunk of memory. A zip whose end record lists more than 1,000 entries or a
  directory over 1 MiB (the zip64 markers included) is refused before zipfile reads the list,
  which would cost an object per entry. A truncated or damaged zip is refused as corrupt.

**A package is valid** when it has at least one valid account, no invalid row and no file-level
problem: TPNS refuses the whole package for a single bad row, so ``valid`` is False as soon as
``invalid_rows > 0`` or ``problem`` is set.

Decisions where the TPNS documentation is silent:

- **Encoding.** UTF-8. A UTF-8 BOM at the very start is dropped (also inside a zip); anywhere else
  it is U+FEFF inside an account, which is refused (see invisible characters). A file starting
  with a UTF-16 or UTF-32 BOM, or whose first 4 KiB are at least a quarter NUL bytes, is refused
  as a whole: "the file is UTF-16; save it as UTF-8". Invalid UTF-8 refuses only its row, with the
  line number and the byte's position; the other rows are still checked.
- **Content that contradicts the extension.** A ``.txt``/``.csv`` that starts like a zip, an
  Office document (``.xlsx``, ``.xls``), gzip or PDF is refused with what it really is; a
  ``.zip`` that is not a zip archive is refused as such.
- **Line ends.** LF, CRLF and a lone CR each end a line, mixed freely. The last line needs no line
  end; a file with none at all holds one account. U+0085, U+2028 and U+2029 are *not* line ends.
- **Line numbers** are physical, 1-based and count blank lines; a CSV record is reported on the
  line it starts on. Line 0 is the file as a whole.
- **Blank lines** (empty, or only spaces and tabs) are skipped: neither accounts nor errors, and
  not counted in ``rows``. So ``rows == accounts + duplicates + invalid_rows``.
- **A header row.** When the first non-blank row is a column name (``account``, ``accounts``,
  ``user_id``, ``userid``, ``uid``, ``openid``, ``账号``, ``帐号``, ``用户`` and the like; case,
  spaces, ``_``, ``-``, a BOM and one pair of quotes do not matter, see ``rules.HEADER_WORDS``),
  that row is refused, on its line: "looks like a header ("account"), not an account". So a package
  with a header is never valid as it is, and a header is never pushed as an account, even
  when it would pass as one. ``header_line`` says where it was. The sandbox, like TPNS, does
  not look for headers (``detect_header=False``).
- **Surrounding spaces and tabs** (ASCII only) are stripped and the account is valid; what is
  checked, counted and deduplicated is the stripped account. Spaces inside an account are allowed;
  other Unicode spaces (U+00A0, U+3000) are kept as part of the account.
- **Length** is counted in characters (code points) after stripping: 100 Chinese characters (300
  bytes) are valid, 101 ASCII characters are not.
- **Control and invisible characters** refuse the row, naming the character: C0 controls (NUL, a
  TAB inside an account, ESC, …), DEL, C1 controls (U+0085 NEXT LINE, …), format characters
  (zero-width space, bidi marks, U+FEFF) and U+2028/U+2029. They make two accounts that look
  the same differ, or break lines in other tools.
- **Over-long lines.** A line of more than 64 KiB is refused for its size alone, before any
  other check: "account longer than 100 characters (a line of N bytes)" (so a line of spaces
  that long is refused too). A line still unfinished after 64 KiB is not buffered but measured
  to its end, so memory stays bounded for a 100 MB single line (a chunk plus 64 KiB).
- **Empty files.** No bytes (or only a BOM): "the file is empty". Only blank lines: "the file has
  no accounts (only blank lines)".
- **.txt** takes each line whole: commas and quotes are ordinary characters there.
- **.csv** follows RFC 4180. Quotes are special only at the start of a field (spaces or tabs may
  surround a quoted field); ``""`` inside quotes is one quote. A quoted field may hold commas: it
  is still one column. Any unquoted comma makes a second column and refuses the row ("2 columns;
  an account package CSV has exactly one column"), even a trailing one. A quoted field holding a
  line break spans lines but is one record, refused because an account cannot contain a line
  break; a quote inside an unquoted field, text after a closing quote and a quote never closed
  refuse the record. ``""`` alone is a blank row. Inside an over-long line, which is not kept,
  the quote state follows the parity of its quotes.
- **Zip results.** ``format`` is ``"zip"``; ``inner_format`` says ``"txt"`` or ``"csv"``;
  ``sha256`` and ``size`` are the zip's own bytes; ``progress`` counts the entry's uncompressed
  bytes against the size its header declares. A zip stream that cannot seek is copied to a
  temporary file first (zipfile must seek).
- **sha256** is of the bytes as uploaded, read on the same pass, and ``""`` only for a file over
  the limit (never read to its end). ``size`` is the whole file's size when the stream can seek,
  otherwise the bytes read.
- **Wording.** Reasons are English sentences from ``wording``, whatever the active language
  (they are stored, printed and answered by the sandbox); :func:`localize` words one, fresh or
  stored, in the active language where a person reads it.
- **Errors.** ``errors`` keeps the first 100 (a whole-file problem first, as line 0);
  ``on_error`` receives every one, for the full report. When a whole-file problem stops the scan
  part-way, the counts cover what was read before it.

**Listing duplicates.** ``on_duplicate`` receives the duplicate rows of a package that has
rejected rows (for the report of its bad rows) with the line where each account first
appears, up to ``max_duplicates``: a second pass over the file with the first pass's hash key,
keeping one slot per repeated account (``repeats``). :func:`write_valid_rows` writes a
package's valid accounts, each once, to a new .txt file the same way, in bounded memory.

**Duplicates** are rows whose stripped account equals an earlier row's, code point by code point
(no case folding or Unicode normalisation). Each valid account is hashed to 64 bits with
SipHash-1-3 of its UTF-8 bytes, the keyed hash behind Python's ``hash()`` (for short accounts the
same function computed a block at a time with numpy, see ``scan.AccountHasher``), and the hashes
are sorted and compared: about 8 bytes per row, 40 MB for 5 million accounts, instead of a set of
strings. :func:`validate_package` sorts them on a second thread while the file is still being
read. Two *different* accounts with the same hash would be counted as one (and
:func:`iter_accounts` would skip the second); for n accounts the chance is about n²/2⁶⁵: 7·10⁻⁷
for 5 million. The 128-bit key is random (drawn for every scan when numpy computes the hash, per
process for ``hash()`` unless ``PYTHONHASHSEED`` fixes it), so colliding accounts cannot be
crafted in advance and a rerun draws a new key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pushes.packages.report import write_error_report
from pushes.packages.result import (
    MAX_REPORTED_DUPLICATES,
    DuplicateRow,
    PackageError,
    RowError,
    ValidationResult,
)
from pushes.packages.rules import MAX_PACKAGE_BYTES, validate_filename
from pushes.packages.wording import localize

if TYPE_CHECKING:
    from pushes.packages.validate import (
        ValidRows,
        iter_accounts,
        validate_package,
        write_valid_rows,
    )

# The scanner (numpy) is imported when a package is first validated or read, not by whatever
# needs only the limits, names and wording: every web process, worker and management command
# imports this package at start-up (through the sandbox), and most never validate a file.
_LAZY = {"ValidRows", "iter_accounts", "validate_package", "write_valid_rows"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from pushes.packages import validate

        return getattr(validate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MAX_PACKAGE_BYTES",
    "MAX_REPORTED_DUPLICATES",
    "DuplicateRow",
    "PackageError",
    "RowError",
    "ValidRows",
    "ValidationResult",
    "iter_accounts",
    "localize",
    "validate_filename",
    "validate_package",
    "write_error_report",
    "write_valid_rows",
]

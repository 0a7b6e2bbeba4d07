"""The wording of every package rejection, and its translation where people read it.

The validator always words its reasons in English, from the templates below: the reasons are
stored (a package's ``problem`` and ``errors``, the audit log), printed by the
``validate_package`` command and answered by the sandbox as TPNS would, so they must not
depend on the language of whoever happened to trigger a validation. :func:`localize` turns a
finished English reason, fresh or read back from the database, into the active language at
the display boundary: it recognises the template the reason was made from and fills the
translated template with the same values. A reason it does not recognise comes back as it is.

The templates are marked with ``gettext_noop``, so ``makemessages`` finds them.
"""

from __future__ import annotations

import re


def N_(message: str) -> str:
    """``gettext_noop`` under its conventional short name: marks a template for makemessages.
    Django's own reads the settings, and the validator must import and run without a project."""
    return message


# Subjects: the file itself, or the one file inside a zip.
THE_FILE = N_("the file")
INSIDE_ZIP = N_("%(name)s inside the zip")

# The file name.
NAME_EMPTY = N_("the file name is empty; it must have 1–100 characters")
NAME_TOO_LONG = N_("the file name has %(count)s characters; it must have 1–100 characters")
NO_EXTENSION = N_("the file name has no extension; upload a .txt, .csv or .zip file")
WRONG_TYPE = N_("file type .%(ext)s is not accepted; upload a .txt, .csv or .zip file")

# What the file really is.
TOO_LARGE = N_("the file is larger than 100 MB")
TOO_LARGE_INSIDE = N_("%(subject)s is larger than 100 MB uncompressed")
EMPTY = N_("%(subject)s is empty")
BLANK_ONLY = N_("%(subject)s has no accounts (only blank lines)")
UTF16 = N_("%(subject)s is UTF-16; save it as UTF-8")
OFFICE = N_(
    "%(subject)s is an Excel or Office document, not a .%(format)s file; save it as CSV UTF-8"
)
ZIP_INSIDE = N_("%(subject)s is itself a zip archive; nested zips are not accepted")
ZIP_NOT_TEXT = N_("%(subject)s is a zip archive, not a .%(format)s file; name it .zip")
GZIP = N_("%(subject)s is gzip-compressed; upload the plain .%(format)s file or a .zip")
PDF = N_("%(subject)s is a PDF document; export the accounts as .txt or .csv")
NOT_ZIP = N_("the file is not a zip archive although its name ends in .zip")
NOT_ZIP_TEXT = N_(
    "the file is not a zip archive although its name ends in .zip "
    "(it looks like a text file; name it .txt or .csv)"
)

# The zip archive.
ZIP_UNSUPPORTED = N_(
    "the zip uses a compression method that is not supported; use standard (deflate) compression"
)
ZIP_CORRUPT = N_("the zip archive is corrupt or truncated (%(error)s)")
ZIP_TOO_MANY = N_("the zip contains too many files; it must contain exactly one .txt or .csv file")
ZIP_EMPTY = N_("the zip archive is empty; it must contain one .txt or .csv file")
ZIP_SEVERAL = N_(
    "the zip contains %(count)s files (%(names)s); it must contain exactly one .txt or .csv file"
)
ZIP_OTHER = N_("the zip contains %(name)s; it must contain one .txt or .csv file")
ZIP_UNSAFE_NAME = N_(
    "the zip contains an unsafe file name (%(name)s); zip just the one .txt or .csv file"
)
ZIP_PASSWORD = N_("the zip is password-protected (%(name)s); zip the file without a password")
ZIP_HIDDEN = N_(
    "the zip contains hidden system files (%(name)s); zip just the one .txt or .csv file, "
    "without __MACOSX or .DS_Store entries"
)
ZIP_FOLDER = N_(
    "the zip contains a folder (%(name)s); zip the .txt or .csv file itself, not a folder"
)
ZIP_NESTED = N_("the zip contains another zip archive (%(name)s); nested zips are not accepted")
# The entry's data against its headers: every compressed byte is inflated and checked, since a
# tool reading the whole stream would get what lies past the declared size.
ZIP_DATA_LONGER = N_(
    "the zip is corrupt: %(name)s holds more data than its header declares "
    "(%(size)s bytes); zip the file again"
)
ZIP_DATA_SHORTER = N_(
    "the zip is corrupt: %(name)s holds less data than its header declares "
    "(%(size)s bytes); zip the file again"
)
ZIP_DATA_STREAM = N_(
    "the zip is corrupt: the compressed data of %(name)s does not end where its header says; "
    "zip the file again"
)
ZIP_DATA_CRC = N_(
    "the zip is corrupt: the checksum (CRC-32) of %(name)s does not match its data; "
    "zip the file again"
)

# One row.
BAD_UTF8 = N_("not valid UTF-8 (byte 0x%(byte)s at position %(position)s); save the file as UTF-8")
UNSAFE_CHAR = N_("account contains %(char)s; control and invisible characters are not allowed")
CONTROL_CHAR = N_("U+%(code)s a control character")
# Two sentences rather than ngettext: the validator picks the English one itself, and the
# display boundary translates whichever it finds.
LENGTH_ONE = N_("account has %(count)s character; accounts have %(min)s–%(max)s characters")
LENGTH = N_("account has %(count)s characters; accounts have %(min)s–%(max)s characters")
LINE_TOO_LONG = N_(
    "account longer than %(max)s characters (a line of %(size)s bytes); "
    "accounts have %(min)s–%(max)s characters"
)
FIELD_TOO_LONG = N_(
    "account longer than %(max)s characters (a field of %(size)s bytes); "
    "accounts have %(min)s–%(max)s characters"
)
COLUMNS = N_("%(count)s columns; an account package CSV has exactly one column")
TEXT_AFTER_QUOTE = N_("unexpected text after a closing quote; quote the whole account")
QUOTE_INSIDE = N_(
    'a quote (") inside an unquoted field; put the account in quotes and double the quote'
)
QUOTE_NOT_CLOSED = N_("a quoted field is never closed; add the closing quote")
LINE_BREAK = N_("account contains a line break inside quotes; put one account per row")
# A first row such as "account" or "user_id" is a column name: pushed, it would be an account.
HEADER = N_('looks like a header ("%(value)s"), not an account')

# A package made from the valid rows of another, whose file has gone since.
ORIGINAL_GONE = N_("the file of %(name)s is no longer stored; upload it again")

# Duplicate rows, in the report of a package's bad rows.
DUPLICATE = N_("duplicate of line %(first)s")
DUPLICATES_LISTED = N_("first %(listed)s of %(count)s duplicates listed")

TEMPLATES = (
    THE_FILE,
    INSIDE_ZIP,
    NAME_EMPTY,
    NAME_TOO_LONG,
    NO_EXTENSION,
    WRONG_TYPE,
    TOO_LARGE,
    TOO_LARGE_INSIDE,
    EMPTY,
    BLANK_ONLY,
    UTF16,
    OFFICE,
    ZIP_INSIDE,
    ZIP_NOT_TEXT,
    GZIP,
    PDF,
    NOT_ZIP,
    NOT_ZIP_TEXT,
    ZIP_UNSUPPORTED,
    ZIP_CORRUPT,
    ZIP_TOO_MANY,
    ZIP_EMPTY,
    ZIP_SEVERAL,
    ZIP_OTHER,
    ZIP_UNSAFE_NAME,
    ZIP_PASSWORD,
    ZIP_HIDDEN,
    ZIP_FOLDER,
    ZIP_NESTED,
    ZIP_DATA_LONGER,
    ZIP_DATA_SHORTER,
    ZIP_DATA_STREAM,
    ZIP_DATA_CRC,
    BAD_UTF8,
    UNSAFE_CHAR,
    CONTROL_CHAR,
    LENGTH_ONE,
    LENGTH,
    LINE_TOO_LONG,
    FIELD_TOO_LONG,
    COLUMNS,
    TEXT_AFTER_QUOTE,
    QUOTE_INSIDE,
    QUOTE_NOT_CLOSED,
    LINE_BREAK,
    HEADER,
    ORIGINAL_GONE,
    DUPLICATE,
    DUPLICATES_LISTED,
)

# Values that are wording themselves (a subject, a character's description), translated too.
_NESTED = frozenset({"subject", "char"})
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class Phrasebook:
    """Recognises finished English sentences made from ``%(name)s`` templates, and words them
    in the active language."""

    def __init__(self, templates: tuple[str, ...], *, nested: frozenset[str] = frozenset()):
        self.templates = templates
        self.nested = nested
        # Compiled on first use, so importing the validator costs nothing.
        self._patterns: tuple[tuple[str, re.Pattern[str]], ...] | None = None

    def match(self, text: str) -> tuple[str, dict[str, str]] | None:
        """The template ``text`` was made from, with its values; None when none fits."""
        if self._patterns is None:
            # Most literal text first, so a template never wins with a value swallowing the
            # words of a more specific one.
            ordered = sorted(self.templates, key=lambda t: -len(_PLACEHOLDER.sub("", t)))
            self._patterns = tuple((template, _pattern(template)) for template in ordered)
        for template, pattern in self._patterns:
            found = pattern.fullmatch(text)
            if found:
                return template, found.groupdict()
        return None

    def localize(self, text: str) -> str:
        """``text`` in the active language, or as it is when no template fits."""
        found = self.match(text)
        if found is None:
            return text
        template, values = found
        # Imported here: the validator and its command run without Django's translation.
        from django.utils.translation import gettext

        for name in self.nested & values.keys():
            values[name] = self.localize(values[name])
        try:
            return gettext(template) % values
        except (KeyError, ValueError, TypeError):
            return text  # a translation with a broken placeholder: English beats an error page


def _pattern(template: str) -> re.Pattern[str]:
    parts, seen, end = [], set(), 0
    for placeholder in _PLACEHOLDER.finditer(template):
        name = placeholder[1]
        parts.append(re.escape(template[end : placeholder.start()]))
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        end = placeholder.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts), re.DOTALL)


PACKAGE_WORDING = Phrasebook(TEMPLATES, nested=_NESTED)


def localize(reason: str) -> str:
    """A package reason (a row's or the whole file's) in the active language."""
    return PACKAGE_WORDING.localize(reason)

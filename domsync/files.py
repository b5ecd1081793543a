"""Files for :meth:`Document.file_download`: packing, mime types and safe file names.

A :class:`PackedFile` is what :func:`pack_file` and :func:`pack_bytes` return, as in
Streamsync. It is read only when it is sent, in chunks, so that a large file goes to the
browser without being held in memory:

- a path is opened when the browser downloads it (it must stay in place until then);
- a file object is read once, when it is packed (it may be closed afterwards);
- ``bytes`` are kept as they are, without a copy.
"""

from __future__ import annotations

import mimetypes
import os
import re
import unicodedata
from typing import IO, Iterator

from .exceptions import InvalidValueError, WrongTypeError

__all__ = ["PackedFile", "pack_file", "pack_bytes", "safe_file_name", "DEFAULT_MIME_TYPE"]

#: The mime type of data whose type is not given and cannot be guessed from a name.
DEFAULT_MIME_TYPE = "application/octet-stream"

#: How much a large download reads and sends at a time.
CHUNK_SIZE = 256 * 1024

# type/subtype, then optional ;name=value parameters: what a Content-Type header may
# carry, and nothing that could end the header (no CR, LF or quotes).
_MIME = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+"
                   r"(?:[ \t]*;[ \t]*[A-Za-z0-9!#$&^_.+-]+=[A-Za-z0-9!#$&^_.+-]+)*\Z")
# Characters no file system takes in a name, or that would make it a path.
_NOT_IN_NAMES = re.compile(r'[/\\:*?"<>|]')
# Spaces (any kind) and dots at either end: hidden files, names that look empty.
_ENDS = re.compile(r"^[\s.]+|[\s.]+\Z")
# Windows device names: "CON.txt" cannot be created there.
_DEVICE = re.compile(r"(?:CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(?:\..*)?\Z", re.I)
_MAX_NAME_BYTES = 255


class PackedFile:
    """File data for :meth:`Document.file_download`, made by :func:`pack_file` or
    :func:`pack_bytes`.

    Attributes:
        mime_type: the mime type given when packing, or guessed from the file's name;
            ``None`` if neither, and then :meth:`Document.file_download` guesses it
            from the download's file name.
        size: the size in bytes.
        name: the packed file's own name (without directories), or ``None``.
    """

    __slots__ = ("mime_type", "size", "name", "_data", "_path")

    def __init__(self, *, data: bytes | None = None, path: str | None = None,
                 mime_type: str | None = None, name: str | None = None):
        if mime_type is not None:
            check_mime_type(mime_type)
        elif name:
            mime_type = mimetypes.guess_type(name, strict=False)[0]
        self.mime_type = mime_type
        self.name = name
        self._data = data
        self._path = path
        # Without data there is a path: the callers give one or the other (os.stat(None)
        # raises TypeError for a caller that gives neither).
        self.size = len(data) if data is not None else os.stat(path).st_size  # type: ignore[arg-type]

    def __repr__(self) -> str:
        source = f"path={self._path!r}" if self._path is not None else f"{self.size} bytes"
        return f"<PackedFile {source} mime_type={self.mime_type!r}>"

    def read(self) -> bytes:
        """All the data at once (for small files, which travel inside the websocket)."""
        if self._data is not None:
            return self._data
        assert self._path is not None  # __init__ had data or a path
        with open(self._path, "rb") as file:
            return file.read()

    def open(self) -> tuple[int, Iterator[bytes | memoryview]]:
        """Start sending: the size to announce and the chunks. A path is opened now and
        its size read again; the chunks stop at that size, so a file that grows while it
        is sent is cut where it was, and one that shrinks ends early."""
        if self._data is not None:
            view = memoryview(self._data)
            return len(view), (view[i:i + CHUNK_SIZE] for i in range(0, len(view), CHUNK_SIZE))
        assert self._path is not None  # __init__ had data or a path
        file = open(self._path, "rb")
        size = os.fstat(file.fileno()).st_size
        return size, _FileChunks(file, size)


class _FileChunks:
    """The chunks of an open file, up to ``remaining`` bytes; ``close()`` closes the
    file even if no chunk was read (a generator's would not)."""

    def __init__(self, file: IO[bytes], remaining: int):
        self._file = file
        self._remaining = remaining

    def __iter__(self) -> "_FileChunks":
        return self

    def __next__(self) -> bytes:
        chunk = self._file.read(min(CHUNK_SIZE, self._remaining)) if self._remaining > 0 else b""
        if not chunk:
            self.close()
            raise StopIteration
        self._remaining -= len(chunk)
        return chunk

    def close(self) -> None:
        self._file.close()


def pack_file(file: str | os.PathLike | IO[bytes], mime_type: str | None = None) -> PackedFile:
    """Pack a file for :meth:`Document.file_download`.

    Args:
        file: a path, or a file object opened in binary mode. A path is read when the
            browser downloads it, in chunks, so a large file is never held in memory;
            it must stay in place until then. A file object is read at once.
        mime_type: e.g. ``"text/csv"``. By default it is guessed from the file's name.

    Raises:
        FileNotFoundError, IsADirectoryError, PermissionError: if the path cannot be read.
        WrongTypeError: for anything else than a path or a binary file object.
        InvalidValueError: for a mime type that is not ``type/subtype``.
    """
    if isinstance(file, (str, os.PathLike)):
        path = os.path.abspath(os.fspath(file))
        if not isinstance(path, str):
            raise WrongTypeError("pack_file() needs a str path, not a bytes path")
        if os.path.isdir(path):
            raise IsADirectoryError(f"pack_file() needs a file, and {path!r} is a directory")
        with open(path, "rb"):  # fails now, with the usual OSError, if it cannot be read
            pass
        return PackedFile(path=path, mime_type=mime_type, name=os.path.basename(path))
    read = getattr(file, "read", None)
    if not callable(read):
        raise WrongTypeError(
            f"pack_file() needs a path or a binary file object, not {type(file).__name__}; "
            f"for data in memory use pack_bytes()"
        )
    data = read()
    if not isinstance(data, bytes):
        raise WrongTypeError(
            f"pack_file() read {type(data).__name__} from the file object: open it in binary mode ('rb')"
        )
    name = getattr(file, "name", None)
    name = os.path.basename(name) if isinstance(name, str) else None
    return PackedFile(data=data, mime_type=mime_type, name=name)


def pack_bytes(raw: bytes | bytearray | memoryview, mime_type: str | None = None) -> PackedFile:
    """Pack data in memory for :meth:`Document.file_download`.

    Args:
        raw: the bytes. ``bytes`` are kept without a copy; a ``bytearray`` or
            ``memoryview`` is copied once, so later changes to it do not change the
            download.
        mime_type: e.g. ``"image/png"``. By default it is guessed from the download's
            file name.

    Raises:
        WrongTypeError: for a str (encode it first) or anything else that is not bytes.
        InvalidValueError: for a mime type that is not ``type/subtype``.
    """
    return PackedFile(data=as_bytes(raw, "pack_bytes()"), mime_type=mime_type)


def as_bytes(raw: object, what: str) -> bytes:
    """``raw`` as bytes: bytes as they are, other bytes-like objects copied once."""
    if type(raw) is bytes:
        return raw
    if isinstance(raw, (bytes, bytearray, memoryview)):
        return bytes(raw)
    if isinstance(raw, str):
        raise WrongTypeError(f"{what} needs bytes, not str: encode the text first, e.g. text.encode()")
    raise WrongTypeError(
        f"{what} needs bytes or a packed file (domsync.pack_file/pack_bytes), not {type(raw).__name__}"
    )


def check_mime_type(mime_type: object) -> str:
    """Return ``mime_type`` if it is a ``type/subtype`` (with optional parameters)."""
    if not isinstance(mime_type, str):
        raise WrongTypeError(f"the mime type must be a str such as 'text/plain', not {type(mime_type).__name__}")
    if not _MIME.match(mime_type):
        raise InvalidValueError(f"{mime_type[:80]!r} is not a mime type: use type/subtype, e.g. 'text/csv'")
    return mime_type


def safe_file_name(name: object) -> str:
    """The file name a download is saved as: ``name`` with what could make it a path,
    hide it or mislead the reader taken out.

    - control and formatting characters (newlines, bidirectional overrides that could
      make ``exe.txt`` look like ``txt.exe``) are removed;
    - ``/ \\ : * ? " < > |`` become ``_``;
    - dots and spaces (of any kind) at either end are removed;
    - Windows device names such as ``CON`` get a ``_`` in front;
    - the name is cut to 255 bytes of UTF-8, keeping its extension;
    - what is left empty becomes ``download``.

    Raises:
        WrongTypeError: if ``name`` is not a str.
    """
    if not isinstance(name, str):
        raise WrongTypeError(f"the file name must be a str, not {type(name).__name__}")
    kept = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    kept = _ENDS.sub("", _NOT_IN_NAMES.sub("_", kept))
    if _DEVICE.match(kept):
        kept = "_" + kept
    if len(kept.encode()) > _MAX_NAME_BYTES:
        stem, dot, extension = kept.rpartition(".")
        if not dot or len(extension.encode()) > 16:
            stem, extension = kept, ""
        room = _MAX_NAME_BYTES - len(extension.encode()) - (1 if extension else 0)
        stem = _ENDS.sub("", stem.encode()[:room].decode(errors="ignore"))
        kept = f"{stem}.{extension}" if extension else stem
    return kept or "download"


def guess_mime_type(file_name: str) -> str:
    """The mime type for a file name, or :data:`DEFAULT_MIME_TYPE`."""
    return mimetypes.guess_type(file_name, strict=False)[0] or DEFAULT_MIME_TYPE

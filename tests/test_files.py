"""domsync.files: packing files, mime types, safe file names."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domsync import InvalidValueError, PackedFile, WrongTypeError, pack_bytes, pack_file
from domsync.files import CHUNK_SIZE, check_mime_type, safe_file_name


def test_pack_bytes_keeps_bytes_without_a_copy_and_copies_mutable_ones():
    raw = b"x" * 10
    packed = pack_bytes(raw)
    assert packed.read() is raw and packed.size == 10 and packed.mime_type is None
    buffer = bytearray(b"abc")
    packed = pack_bytes(buffer, "text/plain")
    buffer[0] = ord("z")
    assert packed.read() == b"abc" and packed.mime_type == "text/plain"
    assert pack_bytes(memoryview(b"mv")).read() == b"mv"


@pytest.mark.parametrize("bad", ["text", 5, None, [1, 2]])
def test_pack_bytes_refuses_what_is_not_bytes(bad):
    with pytest.raises(WrongTypeError) as refused:
        pack_bytes(bad)
    if isinstance(bad, str):
        assert "encode" in str(refused.value)


def test_pack_file_of_a_path_reads_when_sent_and_guesses_the_mime_type(tmp_path):
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    packed = pack_file(path)
    assert isinstance(packed, PackedFile)
    assert packed.mime_type == "text/csv" and packed.name == "report.csv" and packed.size == 8
    path.write_bytes(b"a,b\n3,4\n")  # read when sent, not when packed
    assert packed.read() == b"a,b\n3,4\n"
    assert pack_file(str(path), "application/vnd.ms-excel").mime_type == "application/vnd.ms-excel"
    (tmp_path / "noext").write_bytes(b"")
    assert pack_file(tmp_path / "noext").mime_type is None


def test_pack_file_of_a_path_streams_in_chunks_and_stops_at_the_size_it_had(tmp_path):
    path = tmp_path / "big.bin"
    data = os.urandom(CHUNK_SIZE * 2 + 5)
    path.write_bytes(data)
    size, chunks = pack_file(path).open()
    first = next(chunks)
    with open(path, "ab") as grow:
        grow.write(b"more")
    rest = list(chunks)
    assert size == len(data) and len(first) == CHUNK_SIZE
    assert first + b"".join(rest) == data


def test_pack_file_of_bytes_streams_views_of_the_same_memory():
    data = os.urandom(CHUNK_SIZE + 1)
    size, chunks = pack_bytes(data).open()
    parts = list(chunks)
    assert size == len(data) and [len(p) for p in parts] == [CHUNK_SIZE, 1]
    assert all(isinstance(p, memoryview) and p.obj is data for p in parts)


def test_pack_file_of_a_file_object_reads_it_at_once(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG")
    with open(path, "rb") as file:
        packed = pack_file(file)
    assert packed.read() == b"\x89PNG" and packed.mime_type == "image/png" and packed.name == "photo.png"
    assert pack_file(io.BytesIO(b"mem")).read() == b"mem"


def test_pack_file_raises_at_once_for_what_cannot_be_read(tmp_path):
    with pytest.raises(FileNotFoundError):
        pack_file(tmp_path / "missing.txt")
    with pytest.raises(IsADirectoryError):
        pack_file(tmp_path)
    with pytest.raises(WrongTypeError) as refused:
        pack_file(io.StringIO("text"))
    assert "'rb'" in str(refused.value)
    with pytest.raises(WrongTypeError):
        pack_file(42)
    with pytest.raises(InvalidValueError):
        pack_file(io.BytesIO(b""), "text/plain\r\nSet-Cookie: x=1")


@pytest.mark.parametrize("good", ["text/plain", "application/vnd.api+json", "text/csv; charset=utf-8"])
def test_mime_types_that_are_type_and_subtype_pass(good):
    assert check_mime_type(good) == good


@pytest.mark.parametrize("bad", ["text", "text/plain\n", 'text/html; x="y"', "", "a/b c"])
def test_mime_types_that_could_break_a_header_are_refused(bad):
    with pytest.raises(InvalidValueError):
        check_mime_type(bad)


@pytest.mark.parametrize("name, safe", [
    ("report.csv", "report.csv"),
    ("Résumé 2026 (final) – ü.txt", "Résumé 2026 (final) – ü.txt"),
    ("../../etc/passwd", "_.._etc_passwd"),
    ("C:\\Windows\\evil.bat", "C__Windows_evil.bat"),
    ('say "hi".txt', "say _hi_.txt"),
    ("line\nbreak\r\x00.txt", "linebreak.txt"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),
    ("  .hidden  ", "hidden"),
    ("trailing dots...", "trailing dots"),
    ("CON.txt", "_CON.txt"),
    ("", "download"),
    ("...", "download"),
    ("a<b>c|d?e*f:g", "a_b_c_d_e_f_g"),
])
def test_safe_file_name(name, safe):
    assert safe_file_name(name) == safe


def test_safe_file_name_cuts_long_names_keeping_the_extension():
    safe = safe_file_name("é" * 300 + ".tar")
    assert safe.endswith(".tar") and len(safe.encode()) <= 255
    assert len(safe_file_name("x" * 1000).encode()) == 255


def test_safe_file_name_needs_a_str():
    with pytest.raises(WrongTypeError):
        safe_file_name(b"name.txt")


@given(st.text())
def test_safe_file_names_are_never_paths_nor_hold_control_characters(name):
    safe = safe_file_name(name)
    assert safe and len(safe.encode()) <= 255
    assert not any(ch in safe for ch in '/\\"\r\n\x00')
    assert not safe.startswith(".") and safe == safe.strip()

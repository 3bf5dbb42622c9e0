"""Output files: written whole or not at all, owner-only, with a clear error when the disk refuses."""

import codecs
import csv
import errno
import os
import stat
from decimal import Decimal

import pytest

from assets.common import outputs
from assets.common.outputs import OutputError, write_bytes


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_and_every_folder_created_for_them_are_owner_only_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_bytes(tmp_path / "sorties" / "2025-01" / "factures" / "registre.csv", b"numero\n")
    finally:
        os.umask(old)
    created = [tmp_path / "sorties", tmp_path / "sorties/2025-01", tmp_path / "sorties/2025-01/factures"]
    assert [mode(p) for p in created] == [0o700, 0o700, 0o700]
    assert mode(tmp_path / "sorties/2025-01/factures/registre.csv") == 0o600


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.ENOSPC, "disque plein"), (errno.EROFS, "système de fichiers en lecture seule")],
)
def test_a_refused_write_names_the_file_keeps_the_old_one_and_leaves_no_temporary_file(
    tmp_path, monkeypatch, code, reason
):
    target = tmp_path / "registre.csv"
    target.write_bytes(b"old\n")

    def refuse(src, dst):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(outputs.os, "replace", refuse)
    with pytest.raises(OutputError) as caught:
        write_bytes(target, b"new\n")
    assert str(caught.value) == f"{target} : écriture impossible ({reason}) ; le fichier précédent est conservé"
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["registre.csv"]


def test_other_errors_pass_through_unchanged(tmp_path, monkeypatch):
    def broken(src, dst):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(outputs.os, "replace", broken)
    with pytest.raises(OSError) as caught:
        write_bytes(tmp_path / "x.csv", b"x")
    assert not isinstance(caught.value, OutputError) and caught.value.errno == errno.EIO


def test_csv_files_carry_a_byte_order_mark_so_that_a_french_excel_reads_their_accents(tmp_path):
    """Opened by a double click, a French Excel reads a CSV without a byte order mark as Windows-1252:
    "Léa" would show as "LÃ©a"."""
    target = tmp_path / "lignes.csv"
    outputs.write_csv(target, ["id_usager", "nom", "montant"], [["000001", "Léa Núria", Decimal("1234.56")]])
    data = target.read_bytes()
    assert data == "\ufeffid_usager;nom;montant\n000001;Léa Núria;1234,56\n".encode()
    assert data.startswith(codecs.BOM_UTF8)
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert rows == [{"id_usager": "000001", "nom": "Léa Núria", "montant": "1234,56"}]

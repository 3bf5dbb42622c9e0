"""Alerts of a month's close: alertes.log, one e-mail per run through a real SMTP server on localhost,
no run alerted twice, an unreachable server does not stop the close."""

import datetime as dt
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from assets.common.controls import ERROR, WARNING, ControlOutcome, record
from assets.common.settings_file import parse_settings
from assets.common.warehouse import Warehouse
from assets.reporting.alerts import alert_run
from tests.conftest import SETTINGS

NOW = dt.datetime(2026, 4, 5, 9, 30)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def settings_with(port: int):
    return parse_settings(
        SETTINGS
        + f"alertes:\n  smtp: {{hote: 127.0.0.1, port: {port}, expediteur: recettes@asso.test}}\n"
        + "  destinataires: [daf@asso.test, cellule@asso.test]\n"
    )


def failing(con):
    record(con, "2026-03", ControlOutcome("activite_doublons", "ingest", ERROR, False, 2, "2 ligne(s) en double"), NOW)
    record(
        con, "2026-03", ControlOutcome("lignes_non_rapprochees", "encaissements", WARNING, False, 3, "3 lignes"), NOW
    )
    record(con, "2026-03", ControlOutcome("releves_equilibres", "encaissements", ERROR, True, 0, "ok"), NOW)


def test_one_mail_and_one_log_block_per_run(tmp_path, smtp_server):
    inbox, port = smtp_server
    sorties = tmp_path / "sorties"
    with Warehouse(tmp_path / "e.duckdb").transaction() as con:
        failing(con)
        first = alert_run(con, settings_with(port), sorties, "2026-03", "abc123", ["billing_files : disque plein"], NOW)
        again = alert_run(con, settings_with(port), sorties, "2026-03", "abc123", [], NOW)
    assert (first.logged, first.mailed, again.logged, again.mailed) == (True, True, False, False)
    assert first.lines == [
        "ÉCHEC D'ÉTAPE billing_files : disque plein",
        "ERREUR activite_doublons : 2 ligne(s) en double",
        "AVERTISSEMENT lignes_non_rapprochees : 3 lignes",
    ]
    log = (sorties / "2026-03" / "alertes.log").read_text(encoding="utf-8").splitlines()
    assert log == ["== 05/04/2026 09:30 · clôture de 2026-03 · run abc123 · 3 alerte(s)", *first.lines, ""]
    assert len(inbox.messages) == 1
    sender, recipients, content = inbox.messages[0]
    assert (sender, recipients) == ("recettes@asso.test", ["daf@asso.test", "cellule@asso.test"])
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert message["Subject"] == "Recettes – clôture de 2026-03 : 3 alerte(s)"
    assert message.get_content().splitlines() == log[:-1]


def test_without_smtp_the_log_only_and_an_unreachable_server_does_not_stop_the_close(tmp_path):
    sorties = tmp_path / "sorties"
    with Warehouse(tmp_path / "e.duckdb").transaction() as con:
        failing(con)
        quiet = alert_run(con, parse_settings(SETTINGS), sorties, "2026-03", "r1", [], NOW)
        down = alert_run(con, settings_with(free_port()), sorties, "2026-03", "r2", [], NOW)
    assert (quiet.logged, quiet.mailed, down.logged, down.mailed) == (True, False, True, False)
    log = (sorties / "2026-03" / "alertes.log").read_text(encoding="utf-8")
    assert log.count("== 05/04/2026") == 2 and "COURRIEL NON ENVOYÉ : ConnectionRefusedError" in log


def test_nothing_to_say_writes_nothing(tmp_path):
    with Warehouse(tmp_path / "e.duckdb").transaction() as con:
        record(con, "2026-03", ControlOutcome("releves_equilibres", "encaissements", ERROR, True, 0, "ok"), NOW)
        summary = alert_run(con, parse_settings(SETTINGS), tmp_path, "2026-03", "r1", [], NOW)
    assert (summary.lines, summary.logged) == ([], False) and not (tmp_path / "2026-03" / "alertes.log").exists()


def test_a_file_name_cannot_write_a_line_of_its_own(tmp_path, smtp_server):
    """Was: a bank file named "evil\\nAVERTISSEMENT tout va bien;….xml" wrote its own line into alertes.log and
    the e-mail."""
    inbox, port = smtp_server
    sorties = tmp_path / "sorties"
    name = "banque/evil\nAVERTISSEMENT tout va bien;ok.xml\r\x1b[2J"
    with Warehouse(tmp_path / "e.duckdb").transaction() as con:
        outcome = ControlOutcome("banque_fichiers_lisibles", "encaissements", ERROR, False, 1, f"{name} : illisible")
        record(con, "2026-03", outcome, NOW)
        summary = alert_run(con, settings_with(port), sorties, "2026-03", "r1", [f"bank_lines : {name}"], NOW)
    shown = "banque/evil\\nAVERTISSEMENT tout va bien;ok.xml\\r\\x1b[2J"
    assert summary.lines == [
        f"ÉCHEC D'ÉTAPE bank_lines : {shown}",
        f"ERREUR banque_fichiers_lisibles : {shown} : illisible",
    ]
    log = (sorties / "2026-03" / "alertes.log").read_text(encoding="utf-8").splitlines()
    assert log[1:] == [*summary.lines, ""]
    assert not any(line.startswith("AVERTISSEMENT") for line in log)
    body = email.message_from_bytes(inbox.messages[0][2], policy=email.policy.default).get_content()
    assert body.splitlines()[1:] == summary.lines

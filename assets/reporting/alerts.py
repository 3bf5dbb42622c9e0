"""Alerts on a month's close: the failed controls (errors and warnings) and the failed steps of a run,
appended to sorties/AAAA-MM/alertes.log and, when `alertes.smtp` is configured, sent as one e-mail per run
to `alertes.destinataires`. Alerts name controls, files and identifiers, never a resident.

The same function serves the Dagster sensors (a run finished in the UI) and the `recettes` command (which
runs the job in process, without the daemon); a run already alerted is not alerted twice.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import duckdb

from assets.common.controls import month_controls
from assets.common.csvfile import escaped
from assets.common.outputs import OutputError, write_bytes
from assets.common.settings import Alerts, Settings


@dataclass
class AlertSummary:
    lines: list[str]
    logged: bool  # False: this run was already in the log
    mailed: bool


def alert_lines(con: duckdb.DuckDBPyConnection, month: str, step_errors: list[str]) -> list[str]:
    """One line per failed step, then per failed control (errors first). Each is one line whatever the texts
    it quotes: a file name or a message holding a line break shows it escaped (`\\n`), so that it cannot
    write a line of its own into the log and the e-mail."""
    failed = [(c, sev, d) for c, sev, status, _, d in month_controls(con, month) if status == "echec"]
    failed.sort(key=lambda x: (x[1] != "erreur", x[0]))
    lines = [f"ÉCHEC D'ÉTAPE {escaped(error)}" for error in step_errors]
    lines += [
        f"{'ERREUR' if sev == 'erreur' else 'AVERTISSEMENT'} {escaped(control)} : {escaped(detail)}"
        for control, sev, detail in failed
    ]
    return lines


def alert_run(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    sorties: Path,
    month: str,
    run_id: str,
    step_errors: list[str],
    when: dt.datetime,
) -> AlertSummary:
    """Log (and mail) the alerts of one run of a month's close; nothing when there is nothing to say."""
    lines = alert_lines(con, month, step_errors)
    if not lines:
        return AlertSummary([], False, False)
    log = sorties / month / "alertes.log"
    previous = log.read_text(encoding="utf-8") if log.exists() else ""
    marker = f"run {run_id}"
    if marker in previous:
        return AlertSummary(lines, False, False)
    block = [f"== {when:%d/%m/%Y %H:%M} · clôture de {month} · {marker} · {len(lines)} alerte(s)", *lines, ""]
    try:
        mailed = send_mail(
            settings.alertes, f"Recettes – clôture de {month} : {len(lines)} alerte(s)", "\n".join(block)
        )
    except (OSError, smtplib.SMTPException) as exc:  # the log keeps the alert; the close goes on
        mailed = False
        block.insert(-1, f"COURRIEL NON ENVOYÉ : {type(exc).__name__} {escaped(str(exc))}")
    try:
        write_bytes(log, (previous + "\n".join(block) + "\n").encode("utf-8"))
    except OutputError as exc:  # a full disk: the alert still reaches the operator, on the command's error output
        print("\n".join([*block[:-1], f"ALERTE NON JOURNALISÉE : {escaped(str(exc))}"]), file=sys.stderr)
        return AlertSummary(lines, False, mailed)
    return AlertSummary(lines, True, mailed)


def send_mail(alerts: Alerts, subject: str, body: str) -> bool:
    """One message to every recipient through the configured SMTP server; False when none is configured."""
    if alerts.smtp is None or not alerts.destinataires:
        return False
    smtp = alerts.smtp
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = smtp.expediteur
    message["To"] = ", ".join(alerts.destinataires)
    message.set_content(body)
    with smtplib.SMTP(smtp.hote, smtp.port, timeout=30) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.utilisateur:
            server.login(smtp.utilisateur, smtp.mot_de_passe or "")
        server.send_message(message)
    return True

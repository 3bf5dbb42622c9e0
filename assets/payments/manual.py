"""Manual receipts (`encaissements/*.csv` or workbooks: cheques, cash, transfers entered by hand), CONTRACT.md:
`date; montant; mode` (cheque, especes, virement, prelevement); `payeur; reference; numero_piece`.

Each row becomes a bank line of the manual "account" `MANUEL`, with a stable id: the piece number when
there is one, else a hash of the row (with its rank among identical rows of the file).
"""

from __future__ import annotations

from assets.common.csvfile import Reject, read_table
from assets.common.fields import BadValue, parse_amount, parse_choice, parse_date
from assets.payments.statements import MAX_AMOUNT, BankLine, hashed_id

MODES = ("cheque", "especes", "virement", "prelevement")
REQUIRED = {"date", "montant", "mode"}


def parse_manual_receipts(data: bytes, name: str) -> tuple[list[BankLine], list[Reject]]:
    """Receipts of one file and the rows set aside; raises UnreadableFile when the file cannot be read."""
    table = read_table(data, name, REQUIRED)  # a CSV, or a workbook in its place
    lines: list[BankLine] = []
    rejects = list(table.rejects)
    seen: dict[str, int] = {}
    for line_no, cells in table.rows:
        try:
            day = parse_date(cells["date"])
        except BadValue as exc:
            rejects.append(Reject(name, line_no, "date", cells["date"], str(exc)))
            continue
        try:
            amount = parse_amount(cells["montant"])
            if amount == 0:
                raise BadValue("montant nul")
            if abs(amount) >= MAX_AMOUNT:
                raise BadValue("montant hors limites")
        except BadValue as exc:
            rejects.append(Reject(name, line_no, "montant", cells["montant"], str(exc)))
            continue
        try:
            mode = parse_choice(cells["mode"], MODES)
        except BadValue as exc:
            rejects.append(Reject(name, line_no, "mode", cells["mode"], str(exc)))
            continue
        payer, reference, piece = (cells.get(k, "") for k in ("payeur", "reference", "numero_piece"))
        if piece:
            line_id = f"MAN-{mode}-{piece}"
        else:
            line_id = hashed_id("MAN", [day, amount, mode, payer, reference], seen)
        lines.append(
            BankLine(
                line_id=line_id,
                account="MANUEL",
                currency="EUR",
                booking_date=day,
                value_date=day,
                amount=amount,
                label=mode,
                reference=reference,
                entry_number=piece,
                interbank_code="",
                reject_code="",
                record=line_no,
                debtor_name=payer,
            )
        )
    return lines, rejects

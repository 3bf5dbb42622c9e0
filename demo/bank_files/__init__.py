"""Bank statement files for the demo: ISO 20022 camt.053.001.08 and French CFONB 120.

Both writers take the same `StatementData` (one account, one period, its movements) and give the bytes
of a file that `assets.payments.camt.parse_camt` and `assets.payments.cfonb.parse_cfonb120` read back.

camt.053 (XML, UTF-8): one `BkToCstmrStmt` with one `Stmt` per statement; balances OPBD (dated the first
day covered) and CLBD (dated the last); one booked `Ntry` per movement with its bank transaction code
(ISO domain/family/sub-family, and the CFONB operation code as proprietary code), the bank's reference
(`AcctSvcrRef`), the label (`AddtlNtryInf`) and one `TxDtls` per transaction (several for a batch):
end-to-end id, amount, debtor name and IBAN, remittance text (`Ustrd`, cut to 140 characters), return
reason. A returned direct debit is a debit entry with `RvslInd` true.

CFONB 120 (latin-1, records of 120 characters ended by CRLF): per statement a 01 record (old balance,
dated the day before the first day covered, as the format defines it), one 04 record per movement, its
05 complements and a 07 record (new balance, dated the last day covered). Amounts have 14 positions,
2 decimals and the sign carried by the last character ("overpunch": `{` `A`-`I` for a credit ending in
0-9, `}` `J`-`R` for a debit). The 04 record carries the label (31 characters), and, when the movement
has a bank reference, that reference in the reference zone (16 characters) and the movement's rank in
its statement as entry number (zeros otherwise). Complements: LIB for the remittance text, cut between
words into pieces of 70 characters; NPY for the debtor's name; RCN for the end-to-end id (the debtor's
IBAN is not written). A reversal has, in the reject zone, the CFONB code of the operation it undoes
(A1 for a direct debit collection, 02 for a cheque remittance, 06 for an issued transfer) and its ISO
reason in a LIB complement ("MOTIF AM04"). A batch is one 04 record of its total.

Which codes a movement gets depends on its label, sign and `reversal` flag (see `bank_codes`).
"""

from demo.bank_files.camt import CAMT_NS, USTRD_WIDTH, camt053
from demo.bank_files.cfonb import CFONB_DETAIL_WIDTH, CFONB_LABEL_WIDTH, CFONB_REFERENCE_WIDTH, cfonb120
from demo.bank_files.rib import french_iban, rib_from_iban, rib_key
from demo.bank_files.statement import BankCodes, Movement, StatementData, bank_codes

__all__ = [
    "CAMT_NS",
    "CFONB_DETAIL_WIDTH",
    "CFONB_LABEL_WIDTH",
    "CFONB_REFERENCE_WIDTH",
    "USTRD_WIDTH",
    "BankCodes",
    "Movement",
    "StatementData",
    "bank_codes",
    "camt053",
    "cfonb120",
    "french_iban",
    "rib_from_iban",
    "rib_key",
]

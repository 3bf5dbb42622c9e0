"""SEPA payment files for the bank: the month's direct debits (pain.008) and the refunds by credit transfer
(pain.001), pure functions of what to collect or pay, with no Dagster and no warehouse.

Versions. Direct debits are written as pain.008.001.02 and credit transfers as pain.001.001.03, the ISO 20022
2009 messages of the French banks' customer-to-bank guides: CFONB, "Guide d'utilisation du standard ISO 20022
pour des remises informatisées d'ordres de prélèvements SEPA", message <pain.008.001.02> (versions 1.1, April
2010, to 1.3, December 2015, seen; a version 1.7 is dated February 2023), and "... d'ordres de paiement",
message <pain.001.001.03> (version 2.1, December 2013). The EPC 2023 rulebooks, in force on 19 November 2023,
moved the SEPA schemes to the 2019 ISO 20022 messages (pain.008.001.08, pain.001.001.09): EPC087-22, "Guidance
on the migration to the 2019 version of the ISO 20022-based XML messaging standard" (europeanpaymentscouncil.eu,
document library, guidance documents); that version is mandatory between banks but optional, though
recommended, between a customer and its bank (Syrtals, "Paiements SEPA : la mise à jour de la version du
standard ISO 20022 attendue pour 2023", 26 September 2022), so the 2009 messages remain the ones every French
bank takes. sepaxml writes both generations and ships the XSDs of both; `DIRECT_DEBIT_VERSION` and
`CREDIT_TRANSFER_VERSION` are the one place to change when the bank asks for the 2019 messages (sepaxml
changes the element names itself: BIC → BICFI, the execution date in a `Dt`), and the tests check that the
2019 files are valid too.

The XML is sepaxml's (`SepaDD`, `SepaTransfer`, batch mode: one payment-information block per sequence type
and collection date, per execution date for transfers, with their counts and control sums). What it does
not do, done here:
- deterministic output: sepaxml draws the message id, the payment-information ids and the creation time
  at random and from the clock. The group header's `MsgId` and `CreDtTm` are set to the caller's, and each
  block's `PmtInfId` to the message id and the block's rank (`<MsgId>-1`, `<MsgId>-2`…; a message id too
  long for that keeps its start and a hash of the whole), with lxml after export; the blocks come in the
  order of their dates, then FRST, RCUR, FNAL, OOFF; the transactions of a block in the caller's order;
- the SEPA character set: sepaxml only transliterates (unidecode) and keeps what the EPC's Latin set
  forbids (`&`, `_`, `°`, quotes…). Names and remittance texts go through `sepa_text` instead:
  accents transliterated, ligatures spelt out, typographic marks made plain, everything else of the set
  dropped, spaces collapsed, then cut to the field's length (70 for a name, 140 for a remittance);
- checks that a bank would reject the file for: IBANs (schwifty, through `assets.common.fields`), BICs,
  the creditor identifier (`ics_is_valid`), amounts (Decimal, 0.01 to 999,999,999.99, two decimals at most:
  never rounded), identifiers (1 to 35 characters of the set, no `/` at either end nor `//`), dates, one
  end-to-end id per transaction. A bad value raises ValueError naming the transaction's end-to-end id;
- the check against the schema: `xsd_errors`, with lxml and the XSD that sepaxml ships for the message's
  namespace (the ISO 20022 schemas, not the EPC's restricted ones, hence the checks above). Both writers run
  it on what they produce and raise if it finds anything.
A debtor's BIC may be empty (IBAN-only, as the EPC rules allow since 2016): the debtor agent is then written
`Othr/Id NOTPROVIDED` (pain.008), and a refund's creditor agent is left out (pain.001). No postal address is
written (the dataclasses carry none, sepaxml could): the EPC rules ask for the debtor's (pain.008) or the
creditor's (pain.001) when that party's bank is outside the EEA (Switzerland, the United Kingdom, Monaco…),
and such a transaction is not refused here. Not supported by sepaxml, and not needed today: a mandate's
amendment (`AmdmntInd`, after a change of the debtor's account or of the RUM), an ultimate
creditor or debtor, a category purpose, structured remittance information.

An empty list makes no file: both writers raise ValueError.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from assets.common.fields import iban_problem, ics_is_valid

DIRECT_DEBIT_VERSION = "pain.008.001.02"
CREDIT_TRANSFER_VERSION = "pain.001.001.03"
CURRENCY = "EUR"
SEQUENCES = ("FRST", "RCUR", "FNAL", "OOFF")  # a block's order, within a collection date
NAME_LENGTH = 70
REMITTANCE_LENGTH = 140
ID_LENGTH = 35
MAX_AMOUNT = Decimal("999999999.99")  # the EPC's maximum for one transaction
_CENT = Decimal("0.01")

# the EPC's Latin character set (SEPA rulebooks, "character set"), which every SEPA bank must accept
_SEPA_CHARS = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_SEPA_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")
# what NFKD does not bring back to the set by removing the accents
_SPELT_OUT = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "ð": "d",
        "Ð": "D",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "`": "'",
        "´": "'",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "_": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\t": " ",
        "\n": " ",
        "\r": " ",
    }
)
_SPACES = re.compile(r" {2,}")
_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(pain\.00[18]\.001\.\d\d)$")


@dataclass(frozen=True)
class Creditor:
    """The association, collecting by direct debit."""

    name: str
    iban: str
    bic: str
    ics: str  # identifiant créancier SEPA, e.g. FR72ZZZ123456


@dataclass(frozen=True)
class Collection:
    """One direct-debit transaction: one invoice."""

    end_to_end_id: str  # the invoice number (F2025-000123): the bank gives it back on the statement
    amount: Decimal
    mandate_id: str  # RUM, the mandate's unique reference
    mandate_date: dt.date  # its signature date
    sequence: str  # FRST or RCUR (FNAL and OOFF are taken too)
    debtor_name: str
    debtor_iban: str
    debtor_bic: str  # "" when unknown: written NOTPROVIDED
    remittance: str  # unstructured remittance information, cut at 140 characters
    collection_date: dt.date


@dataclass(frozen=True)
class Debtor:
    """The association, refunding by credit transfer."""

    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Transfer:
    """One refund."""

    end_to_end_id: str
    amount: Decimal
    creditor_name: str
    creditor_iban: str
    creditor_bic: str  # "" when unknown: no creditor agent written
    remittance: str
    execution_date: dt.date


def sepa_text(text: str, limit: int) -> str:
    """`text` in the EPC's Latin character set, at most `limit` characters: accents transliterated (é → e),
    ligatures spelt out (œ → oe), typographic apostrophes and dashes made plain, anything else outside the
    set dropped, runs of spaces made one, no space at either end."""
    spelt = unicodedata.normalize("NFKD", (text or "").translate(_SPELT_OUT))
    plain = "".join(c for c in spelt if not unicodedata.combining(c)).translate(_SPELT_OUT)
    kept = _SPACES.sub(" ", _SEPA_CHARS.sub("", plain)).strip()
    return kept[:limit].rstrip()


def direct_debits(creditor: Creditor, collections: list[Collection], message_id: str, created: dt.datetime) -> bytes:
    """The pain.008 file collecting `collections` for `creditor`: one block per sequence type and
    collection date, checked against its XSD. Raises ValueError on an empty list or a bad value (naming the
    transaction's end-to-end id)."""
    from sepaxml import SepaDD

    if not collections:
        raise ValueError("aucun prélèvement : pas de fichier à produire")
    message_id = _identifier(message_id, "identifiant du message")
    name = _name(creditor.name, "nom du créancier")
    if not ics_is_valid(creditor.ics):
        raise ValueError(f"identifiant créancier SEPA invalide : {creditor.ics!r}")
    config = {
        "name": name,
        "IBAN": _iban(creditor.iban, "IBAN du créancier"),
        "BIC": _bic(creditor.bic, "BIC du créancier"),
        "batch": True,
        "creditor_id": creditor.ics.strip().upper(),
        "currency": CURRENCY,
    }
    payments = [_collection(c) for c in collections]
    _unique([p["endtoend_id"] for p in payments])
    sepa = SepaDD(config, schema=DIRECT_DEBIT_VERSION, clean=False)
    for payment in sorted(payments, key=lambda p: (p["collection_date"], SEQUENCES.index(p["type"]))):
        sepa.add_payment(payment)
    return _finish(sepa.export(validate=False), message_id, created)


def credit_transfers(debtor: Debtor, transfers: list[Transfer], message_id: str, created: dt.datetime) -> bytes:
    """The pain.001 file paying `transfers` from `debtor`'s account: one block per execution date, checked
    against its XSD. Raises ValueError on an empty list or a bad value (naming the transaction's end-to-end
    id)."""
    from sepaxml import SepaTransfer

    if not transfers:
        raise ValueError("aucun virement : pas de fichier à produire")
    message_id = _identifier(message_id, "identifiant du message")
    config = {
        "name": _name(debtor.name, "nom du débiteur"),
        "IBAN": _iban(debtor.iban, "IBAN du débiteur"),
        "BIC": _bic(debtor.bic, "BIC du débiteur"),
        "batch": True,
        "currency": CURRENCY,
    }
    payments = [_transfer(t) for t in transfers]
    _unique([p["endtoend_id"] for p in payments])
    sepa = SepaTransfer(config, schema=CREDIT_TRANSFER_VERSION, clean=False)
    for payment in sorted(payments, key=lambda p: p["execution_date"]):
        sepa.add_payment(payment)
    return _finish(sepa.export(validate=False), message_id, created)


def xsd_errors(xml: bytes) -> list[str]:
    """What the XSD of the message's namespace finds wrong with `xml` ([] when valid): the schema that
    sepaxml ships for that pain.008 or pain.001 version. An unreadable document, or one of a namespace
    without a shipped schema, is one error."""
    try:
        root = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as exc:
        return [f"XML illisible : {exc.msg}"]
    namespace = etree.QName(root).namespace or ""
    match = _NAMESPACE.match(namespace)
    schema = _schema(match.group(1)) if match else None
    if schema is None:
        return [f"espace de noms sans schéma connu : {namespace!r}"]
    if schema.validate(root):
        return []
    return [f"ligne {e.line} : {e.message}" for e in schema.error_log]


def schema_path(version: str) -> str | None:
    """The XSD that sepaxml ships for `version` (e.g. pain.008.001.02), None if it ships none."""
    import importlib.resources

    found = importlib.resources.files("sepaxml").joinpath("schemas", f"{version}.xsd")
    return str(found) if found.is_file() else None


@functools.cache
def _schema(version: str) -> etree.XMLSchema | None:
    """The XSD of one message version, parsed once per process."""
    path = schema_path(version)
    return etree.XMLSchema(etree.parse(path, _parser())) if path else None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _finish(xml: bytes, message_id: str, created: dt.datetime) -> bytes:
    """sepaxml's export made reproducible (the caller's message id and creation time, block ids from the
    message id and the block's rank), then checked against its XSD."""
    root = etree.fromstring(xml, _parser())
    ns = {"p": etree.QName(root).namespace}
    header = root.find("*/p:GrpHdr", ns)
    if header is None:
        raise ValueError("document SEPA sans en-tête (GrpHdr)")
    header.find("p:MsgId", ns).text = message_id
    header.find("p:CreDtTm", ns).text = created.replace(microsecond=0).isoformat()
    for rank, block in enumerate(root.findall("*/p:PmtInf", ns), start=1):
        block.find("p:PmtInfId", ns).text = _block_id(message_id, rank)
    out = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    errors = xsd_errors(out)
    if errors:
        raise ValueError("fichier SEPA non conforme à son schéma : " + " ; ".join(errors[:5]))
    return out


def _block_id(message_id: str, rank: int) -> str:
    suffix = f"-{rank}"
    if len(message_id) + len(suffix) <= ID_LENGTH:
        return message_id + suffix
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:8]
    return f"{message_id[: ID_LENGTH - len(suffix) - 9]}-{digest}{suffix}"


def _collection(c: Collection) -> dict:
    e2e = _identifier(c.end_to_end_id, "référence de bout en bout")
    collection_date = _date(c.collection_date, e2e, "date d'échéance")
    mandate_date = _date(c.mandate_date, e2e, "date de signature du mandat")
    if mandate_date > collection_date:
        raise ValueError(f"{e2e} : mandat signé le {mandate_date} après l'échéance du {collection_date}")
    payment = {
        "name": _name(c.debtor_name, "nom du débiteur", e2e),
        "IBAN": _iban(c.debtor_iban, "IBAN du débiteur", e2e),
        "amount": _cents(c.amount, e2e),
        "type": _sequence(c.sequence, e2e),
        "collection_date": collection_date,
        "mandate_id": _identifier(c.mandate_id, "référence unique du mandat", e2e),
        "mandate_date": mandate_date,
        "description": sepa_text(c.remittance, REMITTANCE_LENGTH) or e2e,
        "endtoend_id": e2e,
    }
    if c.debtor_bic.strip():
        payment["BIC"] = _bic(c.debtor_bic, "BIC du débiteur", e2e)
    return payment


def _transfer(t: Transfer) -> dict:
    e2e = _identifier(t.end_to_end_id, "référence de bout en bout")
    payment = {
        "name": _name(t.creditor_name, "nom du bénéficiaire", e2e),
        "IBAN": _iban(t.creditor_iban, "IBAN du bénéficiaire", e2e),
        "amount": _cents(t.amount, e2e),
        "execution_date": _date(t.execution_date, e2e, "date d'exécution"),
        "description": sepa_text(t.remittance, REMITTANCE_LENGTH) or e2e,
        "endtoend_id": e2e,
    }
    if t.creditor_bic.strip():
        payment["BIC"] = _bic(t.creditor_bic, "BIC du bénéficiaire", e2e)
    return payment


def _where(e2e: str) -> str:
    return f"{e2e} : " if e2e else ""


def _identifier(value: str, what: str, e2e: str = "") -> str:
    """An identifier as the EPC allows it: 1 to 35 characters of the set, no "/" at either end nor "//"."""
    text = (value or "").strip()
    if not _SEPA_ID.fullmatch(text) or text.startswith("/") or text.endswith("/") or "//" in text:
        raise ValueError(f"{_where(e2e)}{what} invalide : {value!r} (1 à 35 caractères SEPA, sans / en bordure)")
    return text


def _name(value: str, what: str, e2e: str = "") -> str:
    name = sepa_text(value, NAME_LENGTH)
    if not name:
        raise ValueError(f"{_where(e2e)}{what} vide une fois réduit aux caractères SEPA : {value!r}")
    return name


def _iban(value: str, what: str, e2e: str = "") -> str:
    problem = iban_problem(value or "")
    if problem:
        raise ValueError(f"{_where(e2e)}{what} invalide ({problem}) : {value!r}")
    return "".join(value.split()).upper()


def _bic(value: str, what: str, e2e: str = "") -> str:
    from schwifty import BIC

    try:
        return str(BIC((value or "").strip()))
    except ValueError:
        raise ValueError(f"{_where(e2e)}{what} invalide : {value!r}") from None


def _cents(amount: Decimal, e2e: str) -> int:
    """The amount in cents, for sepaxml: a Decimal from 0.01 to `MAX_AMOUNT` with two decimals at most (an
    amount with more is refused, never rounded)."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"{e2e} : montant non décimal : {amount!r}")
    if not _CENT <= amount <= MAX_AMOUNT or amount != amount.quantize(_CENT):
        raise ValueError(f"{e2e} : montant {amount} hors de 0,01 à {MAX_AMOUNT} ou à plus de deux décimales")
    return int(amount.quantize(_CENT) * 100)


def _date(value: dt.date, e2e: str, what: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(f"{e2e} : {what} n'est pas une date : {value!r}")
    return value


def _sequence(value: str, e2e: str) -> str:
    if value not in SEQUENCES:
        raise ValueError(f"{e2e} : type de séquence {value!r} inconnu, attendu {', '.join(SEQUENCES)}")
    return value


def _unique(ids: list[str]) -> None:
    seen: set[str] = set()
    for e2e in ids:
        if e2e in seen:
            raise ValueError(f"{e2e} : référence de bout en bout en double dans le fichier")
        seen.add(e2e)

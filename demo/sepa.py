"""What the demo's bank reads of the association's SEPA direct debit file: sorties/AAAA-MM/tresorerie/
prelevements.xml, the pain.008.001.02 "customer direct debit initiation" a close writes for the collections it
asks (docs/contract.md). Read as any reader of our outputs would: by the elements' local names, whatever the
namespace (or none), without entities, DTD nor network. One `Collection` per `DrctDbtTxInf`, with the
collection date (`ReqdColltnDt`) and the sequence (`SeqTp`) of its `PmtInf` block."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree


@dataclass(frozen=True)
class Collection:
    end_to_end_id: str  # PmtId/EndToEndId: the invoice number
    amount: Decimal  # InstdAmt
    collection_date: dt.date  # the block's ReqdColltnDt
    debtor_iban: str  # DbtrAcct/Id/IBAN
    mandate: str = ""  # DrctDbtTx/MndtRltdInf/MndtId (the RUM)
    sequence: str = ""  # FRST, RCUR, OOFF, FNAL
    debtor_name: str = ""  # Dbtr/Nm
    remittance: str = ""  # RmtInf/Ustrd


def read_collections(path: Path) -> list[Collection] | None:
    """The collections a direct debit file asks, in the file's order (None: no file)."""
    if not path.exists():
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(path.read_bytes(), parser)
    out = []
    for block in _descendants(root, "PmtInf"):
        day = dt.date.fromisoformat(_text(block, "ReqdColltnDt")[:10])
        sequence = _text(block, "PmtTpInf", "SeqTp")
        for tx in _children(block, "DrctDbtTxInf"):
            out.append(
                Collection(
                    _text(tx, "PmtId", "EndToEndId"),
                    Decimal(_text(tx, "InstdAmt")),
                    day,
                    _text(tx, "DbtrAcct", "Id", "IBAN").replace(" ", ""),
                    _text(tx, "DrctDbtTx", "MndtRltdInf", "MndtId"),
                    _text(tx, "PmtTpInf", "SeqTp") or sequence,
                    _text(tx, "Dbtr", "Nm"),
                    " ".join(_text(u) for u in _children(_first(tx, "RmtInf"), "Ustrd")).strip(),
                )
            )
    return out


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _children(node: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if node is not None:
        yield from (child for child in node if _local(child) == name)


def _descendants(node: etree._Element, name: str) -> Iterator[etree._Element]:
    yield from (found for found in node.iter() if _local(found) == name)


def _first(node: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        node = next(_children(node, name), None)
    return node


def _text(node: etree._Element | None, *path: str) -> str:
    found = _first(node, *path)
    return (found.text or "").strip() if found is not None else ""

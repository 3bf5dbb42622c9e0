"""How the seven referential files refer to each other (docs/contract.md): every resident id and payer code written in
one form across the files, and the rows that name a row of another file, or a period, checked against them.
Both take the typed rows of every file (`referential.parse_rows`) and set aside the rows they refuse."""

from __future__ import annotations

from assets.common.csvfile import Reject
from assets.common.fields import identifier_key, preferred_form

# columns of a table that name a row of another table, and the end date that must not precede the start
_REFERENCES = {
    "stays": (
        ("resident_id", "residents", "id_usager"),
        ("establishment_code", "establishments", "code_etablissement"),
    ),
    "funding_decisions": (
        ("resident_id", "residents", "id_usager"),
        ("payer_code", "payers", "code_financeur"),
        ("establishment_code", "establishments", "code_etablissement"),
    ),
    "rates": (("establishment_code", "establishments", "code_etablissement"),),
    "contributions": (("resident_id", "residents", "id_usager"),),
}
_PERIODS = {
    "stays": ("entry_date", "exit_date", "date_sortie"),
    "funding_decisions": ("start_date", "end_date", "date_fin"),
    "rates": ("start_date", "end_date", "date_fin"),
    "contributions": ("start_date", "end_date", "date_fin"),
}


# where each kind of identifier is written: (table, column, header); the first names the rows themselves
IDENTIFIERS = {
    "resident": (
        ("residents", "id", "id_usager"),
        ("stays", "resident_id", "id_usager"),
        ("funding_decisions", "resident_id", "id_usager"),
        ("contributions", "resident_id", "id_usager"),
    ),
    "payer": (("payers", "code", "code_financeur"), ("funding_decisions", "payer_code", "code_financeur")),
}


def settle_identifiers(
    records: dict[str, list[dict]], files: dict[str, str], known: dict[str, dict[str, str]]
) -> list[Reject]:
    """Write every resident id and payer code in its one form (`known`: kind -> key -> the form the
    warehouse holds), and set aside a row of usagers.csv or financeurs.csv whose identifier is another row's
    but for its leading zeros (`0012` and `12`): two rows for one identifier, both named."""
    rejects: list[Reject] = []
    for kind, places in IDENTIFIERS.items():
        (table, column, header), *_ = places
        first: dict[str, dict] = {}
        kept = []
        for r in records[table]:
            key = identifier_key(r[column])
            seen = first.setdefault(key, r)
            if seen is not r and seen[column] != r[column]:
                rejects.append(
                    Reject(
                        files[table],
                        r["src_line"],
                        header,
                        r[column],
                        f"même identifiant que « {seen[column]} » (ligne {seen['src_line']}, colonne {header}) "
                        "aux zéros de tête près : deux lignes pour un seul identifiant",
                    )
                )
                continue
            kept.append(r)
        records[table] = kept
        written: dict[str, list[str]] = {}
        for table, column, _ in places:
            for r in records[table]:
                written.setdefault(identifier_key(r[column]), []).append(r[column])
        stored = known.get(kind, {})
        form = {key: stored.get(key) or preferred_form(forms) for key, forms in written.items()}
        for table, column, _ in places:
            for r in records[table]:
                r[column] = form[identifier_key(r[column])]
    return rejects


def cross_check(records: dict[str, list[dict]], files: dict[str, str]) -> list[Reject]:
    """Set aside rows that name an unknown row of another file, or end before they start."""
    known = {
        "residents": {r["id"] for r in records["residents"]},
        "establishments": {r["code"] for r in records["establishments"]},
        "payers": {r["code"] for r in records["payers"]},
    }
    labels = {"residents": "usager inconnu", "establishments": "établissement inconnu", "payers": "financeur inconnu"}
    rejects: list[Reject] = []
    for table, refs in _REFERENCES.items():
        name = files[table]
        kept = []
        for r in records[table]:
            problem = None
            for column, target, header in refs:
                if r[column] not in known[target]:  # identifiers are settled: one form for each
                    problem = Reject(name, r["src_line"], header, r[column], labels[target])
                    break
            if problem is None:
                start, end, header = _PERIODS[table]
                if r[end] is not None and r[end] < r[start]:
                    problem = Reject(
                        name, r["src_line"], header, r[end].isoformat(), "date de fin antérieure à la date de début"
                    )
            if problem:
                rejects.append(problem)
            else:
                kept.append(r)
        records[table] = kept
    return rejects

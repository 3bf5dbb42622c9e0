"""What the fuzz tests feed the parsers: seeds (real sample files read from ../shared/samples, and small
valid files of our own), hostile values, mutations of bytes, fields, records and XML elements, and the guards
every example runs under (a wall-time limit, the shape of a clean rejection, a memory measure)."""

from __future__ import annotations

import contextlib
import copy
import os
import re
import signal
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from lxml import etree

from tests.conftest import REFERENTIAL, SETTINGS, march_fh01

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"

# ------------------------------------------------------------------------------------------------ budget

BUDGET = float(os.environ.get("FUZZ_BUDGET", "1"))


def budget(examples: int, deadline_ms: int = 5000) -> settings:
    """`examples` × FUZZ_BUDGET examples; the default budget replays the same examples every run
    (derandomized, no example database), a longer one explores at random."""
    return settings(
        max_examples=max(1, round(examples * BUDGET)),
        deadline=timedelta(milliseconds=deadline_ms),
        derandomize=BUDGET == 1,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )


# ------------------------------------------------------------------------------------------------ guards


class Hang(BaseException):  # not an Exception: no parser may catch it
    """An example ran past its wall-time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise Hang in the example once `seconds` of wall time have passed."""

    def stop(signum, frame):
        raise Hang(f"plus de {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# a clean rejection names the file, then where in it when it can ("ligne 3", "enregistrement 2, position 91",
# "lignes 4, 7, champ Debit")
_WHERE = r"(, (lignes?|enregistrement) [0-9][0-9, …()a-z]*(, (position|colonne) [0-9]+|, champ [A-Za-z]+)?)?"
MAX_MESSAGE = 5000


def assert_clean(message: str, name: str) -> None:
    """A rejection message: each of its lines names the file (and the position when there is one)."""
    assert len(message) <= MAX_MESSAGE, f"message de {len(message)} caractères : {message[:200]}"
    assert "\r" not in message, message[:500]
    for line in message.split("\n"):
        assert re.match(re.escape(name) + _WHERE + " : \\S", line), message[:500]


def outcome(call: Callable[[], object], errors: tuple[type[Exception], ...], name: str, seconds: float = 20):
    """The parser's result, or None after a clean rejection; any other exception fails the example."""
    with time_limit(seconds):
        try:
            return call()
        except errors as exc:
            assert_clean(str(exc), name)
            return None


def traced_peak(call: Callable[[], object]) -> int:
    """The peak of Python memory allocated while `call` runs (its exceptions ignored)."""
    tracemalloc.start()
    try:
        with contextlib.suppress(Exception):
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ------------------------------------------------------------------------------------------------ seeds


def sample_files(folder: str, suffixes: tuple[str, ...], head_lines: int | None = None) -> dict[str, bytes]:
    """The sample files of `folder` (their first `head_lines` lines only when given), by name."""
    path = SAMPLES / folder
    out = {}
    for file in sorted(path.iterdir()) if path.is_dir() else []:
        if file.suffix.lower() in suffixes and not file.name.endswith("-expected.csv"):
            data = file.read_bytes()
            if head_lines is not None:
                data = b"".join(data.splitlines(keepends=True)[:head_lines])
            out[f"{folder}/{file.name}"] = data
    return out


CAMT_SAMPLES = sample_files("camt053", (".xml",))
CFONB_SAMPLES = sample_files("cfonb120", (".txt", ".cfo"))
FEC_SAMPLES = sample_files("fec/rezdevops-fec-check-fixtures", (".txt",)) | sample_files(
    "fec/neolegal-fec-reader", (".txt",), head_lines=40
)

GRID = (
    "code_etablissement;id_usager;" + ";".join(f"J{d:02d}" for d in range(1, 32)) + "\n"
    "FH01;000001;" + ";".join("P" if d % 7 else "H" for d in range(1, 32)) + "\n"
    "FH01;2;" + ";".join("C" if d < 4 else "" for d in range(1, 32)) + "\n"
    "IME01;000003;" + ";".join("F" if d == 31 else "P" for d in range(1, 32)) + "\n"
)
RECEIPTS = (
    "date;montant;mode;payeur;reference;numero_piece\n"
    "05/03/2025;363,36;cheque;GARCIA Hélène;F2025-001065;CHQ 1234567\n"
    "2025-03-06;1 500,00;virement;D66;F2025-000980 F2025-000981;\n"
    "07/03/2025;-12,50;especes;DURAND Léa;;\n"
    "08/03/2025;10.5;prelevement;;;P-9\n"
)
CALLS = (
    "date;cible;interlocuteur;resultat;date_promesse;montant_promis;commentaire\n"
    "03/03/2025;F2025-000123;Mme Roig;promesse;15/03/2025;152,40;rappeler après le 15\n"
    "2025-03-04;D66;Service paiement;litige;;;\n"
    "05/03/2025;U000001;;injoignable;;;répondeur\n"
)
DECISIONS = "id_ligne_bancaire;numero_facture;montant\nCAMT-B1;F2026-000001;100,00\nCFONB-X;;\n"


def _both_encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("windows-1252", errors="replace")]


ACTIVITY_SEEDS = _both_encodings(march_fh01(days=range(1, 8))) + _both_encodings(GRID)
RECEIPT_SEEDS = _both_encodings(RECEIPTS)
CALL_SEEDS = _both_encodings(CALLS)
CSV_SEEDS = (
    [t.encode("utf-8") for t in REFERENTIAL.values()]
    + ACTIVITY_SEEDS
    + RECEIPT_SEEDS
    + CALL_SEEDS
    + [DECISIONS.encode()]
)

FULL_SETTINGS = (
    SETTINGS
    + """mention_tva: "TVA non applicable – article 261-7-1°-b du CGI"
fjh:
  - {depuis: 2018-01-01, montant: "20.00"}
  - {depuis: 2026-03-01, montant: "23.00"}
absences:
  departement: &tiers
    hospitalisation: [{jusqu_a: 3, base: plein}, {base: moins_fjh}]
    convenance: [{jusqu_a: 3, base: plein}, {jusqu_a: 35, base: moins_fjh}, {base: zero}]
  D66: *tiers
regularisation_mois: 24
delai_paiement_jours: 30
comptes:
  produits: {departement: "7342", departement.FH: "73421", assurance_maladie: "7311", usager: "7352", autre: "7388"}
  journaux: {ventes: VT, banque: BQ}
relances:
  usager:
    niveaux:
      - {code: relance1, delai_jours: 15, canaux: [courrier]}
      - {code: mise_en_demeure, delai_jours: 45, canaux: [recommande]}
    contentieux_jours: 60
fec: {separateur: "|", encodage: "iso-8859-15"}
alertes:
  smtp: {hote: localhost, port: 2525, expediteur: recettes@example.org, starttls: false}
  destinataires: [daf@example.org]
"""
)
SETTINGS_SEEDS = [SETTINGS, FULL_SETTINGS]

# ------------------------------------------------------------------------------------------------ hostile values

HOSTILE_TEXT = [
    "",
    " ",
    "NaN",
    "-nan",
    "sNaN",
    "Infinity",
    "-inf",
    "1e999",
    "1E+999",
    "-0",
    "0",
    "00000000",
    "9" * 30,
    "9" * 5000,
    "1" * 20 + ",00",
    "99999999999999,99",
    "1 000,00",
    "1.000,00",
    "12,345",
    ",5",
    "5.",
    "+5",
    "--5",
    "1_000",
    "²",
    "12²",
    "½",
    "١٢٣",
    "١٢/٠٣/٢٠٢٥",
    "１２",
    "２０２５-０３-０１",
    "𝟗𝟗",
    "\x00",
    "\ufeff",
    "\u202f",
    "\xa0",
    "\u2028",
    "\x85",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "|",
    ";",
    ",",
    '"',
    '"";""',
    "\\",
    "&amp;",
    "&x;",
    "<",
    "]]>",
    "{",
    "}",
    "J",
    "31/02/2025",
    "29/02/2025",
    "00/00/0000",
    "99/99/9999",
    "0000-01-01",
    "9999-12-31",
    "0001-01-01",
    "2025-13-01",
    "2025-02-30",
    "20251301",
    "000000",
    "311299",
    "2026-03-02T25:61:61",
    "true",
    "null",
    "~",
    "- x",
    ": x",
    "&a",
    "*a",
    "!!python/object/apply:os.system ['true']",
    "A" * 300,
    "x" * 140_000,
    "é" * 50,
    "€œ’…",
    "\U0001f600",
    "\u200b\u202e",
    "FR7630006000011234567890189",
    "FR76 3000 6000 0112 3456 7890 188",
    "P",
    "h",
    "X",
    "especes",
    "F2026-000123",
]
_RAW = [
    b"\xed\xa0\x80",  # a lone surrogate written in UTF-8
    b"\x00\xd8",  # and in UTF-16
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\x81\x8d\x8f\x90\x9d",  # no character in Windows-1252
    b"\xc3",  # half a UTF-8 character
    b"\xe9",  # Latin-1 é
    b"PK\x03\x04",
    b"%PDF-1.7",
    b"\xd0\xcf\x11\xe0",
    "é".encode("utf-16-le"),
    b"\r" * 5000,
    b"\n" * 5000,
    b"\r\r\n",
    b"<!DOCTYPE d [<!ENTITY a 'aaaa'>]>",
    b"<![CDATA[x]]>",
    b"<!-- -->",
    b"<?pi x?>",
    b"&#0;",
    b"&#xD800;",
    b"&#1114112;",
]
HOSTILE_BYTES = [t.encode("utf-8", errors="surrogatepass") for t in HOSTILE_TEXT] + _RAW
XML_TEXT = [t for t in HOSTILE_TEXT if not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", t)]

# ------------------------------------------------------------------------------------------------ mutations

_OPS = ("flip", "insert", "delete", "truncate", "duplicate", "token", "overwrite", "field", "field", "field")


@st.composite
def mutated(draw, seeds: list[bytes], separators: bytes = b";", max_ops: int = 6, keep_length: bool = False) -> bytes:
    """A seed with bytes flipped, inserted, deleted, repeated or cut, hostile values inserted or written over
    it, and fields (between `separators` or line ends) replaced by hostile values. `keep_length`: only flips
    and values written over, so that fixed-width records keep their width."""
    data = bytearray(draw(st.sampled_from(seeds)))
    cuts = set(separators) | {10, 13}
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(("flip", "overwrite") if keep_length else _OPS))
        size = len(data)
        pos = draw(st.integers(0, size))
        if op == "flip" and size:
            data[min(pos, size - 1)] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[pos:]
        elif op == "duplicate":
            chunk = bytes(data[pos : pos + draw(st.integers(1, 200))])
            data[pos:pos] = chunk * draw(st.integers(2, 60))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(HOSTILE_BYTES))
        elif op == "overwrite":  # the same length where the seed is long enough: fixed-width records
            token = draw(st.sampled_from(HOSTILE_BYTES))
            data[pos : pos + len(token)] = token[: size - pos] if keep_length else token
        elif op == "field":
            start = pos
            while start > 0 and data[start - 1] not in cuts:
                start -= 1
            end = pos
            while end < size and data[end] not in cuts:
                end += 1
            data[start:end] = draw(st.sampled_from(HOSTILE_BYTES))
    return bytes(data)


def any_bytes(seeds: list[bytes], separators: bytes = b";") -> st.SearchStrategy[bytes]:
    """Random bytes, or a mutated seed (most of the time)."""
    return st.one_of(
        st.binary(max_size=2000),
        mutated(seeds, separators),
        mutated(seeds, separators),
        mutated(seeds, separators),
    )


# fields of a CFONB 120 record: (start, end) of the code, currency, decimals, dates, qualifier, amount
_CFONB_FIELDS = [(0, 2), (16, 19), (19, 20), (34, 40), (40, 42), (42, 48), (45, 48), (81, 88), (90, 104), (103, 104)]
_CFONB_VALUES = HOSTILE_TEXT[:60] + ["{", "}", "A", "R", "0000000001000{", "9999999999999R", "0", "9", " ", "01", "04"]


@st.composite
def mutated_cfonb(draw) -> bytes:
    """A CFONB 120 sample whose fixed-width fields are written over (same width), then maybe bytes mutated."""
    records = draw(st.sampled_from(list(CFONB_SAMPLES.values()))).decode("latin-1").splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 5))):
        index = draw(st.integers(0, len(records) - 1))
        start, end = draw(st.sampled_from(_CFONB_FIELDS))
        value = draw(st.sampled_from(_CFONB_VALUES))
        value = value.encode("latin-1", errors="replace").decode("latin-1")
        record = records[index]
        records[index] = record[:start] + value[: end - start].rjust(end - start, "0") + record[end:]
    data = "".join(records).encode("latin-1")
    step = draw(st.sampled_from(("none", "none", "same_width", "any")))
    if step == "none":
        return data
    return draw(mutated([data], b"", keep_length=step == "same_width"))


_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_CAMT_TAGS = {
    "Amt",
    "Dt",
    "DtTm",
    "CdtDbtInd",
    "RvslInd",
    "Ntry",
    "TxDtls",
    "Bal",
    "BookgDt",
    "ValDt",
    "AcctSvcrRef",
    "NtryRef",
    "EndToEndId",
    "IBAN",
    "Ustrd",
    "Cd",
    "Stmt",
    "Acct",
}


@st.composite
def mutated_camt(draw) -> bytes:
    """A camt sample whose elements get hostile texts and currencies, are removed, emptied or repeated;
    then maybe bytes mutated."""
    root = etree.fromstring(draw(st.sampled_from(list(CAMT_SAMPLES.values()))), _SAFE)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    chosen = [e for e in elements if etree.QName(e).localname in _CAMT_TAGS]
    for _ in range(draw(st.integers(1, 6))):
        element = draw(st.sampled_from(chosen if chosen and draw(st.booleans()) else elements))
        op = draw(st.sampled_from(("text", "text", "text", "currency", "remove", "empty", "repeat")))
        parent = element.getparent()
        value = draw(st.sampled_from(XML_TEXT) | st.text(max_size=20).filter(lambda t: "\x00" not in t))
        with contextlib.suppress(ValueError):  # a text lxml refuses to hold (a control character)
            if op == "text":
                element.text = value
            elif op == "currency":
                element.set("Ccy", value)
            elif op == "remove" and parent is not None:
                parent.remove(element)
            elif op == "empty":
                element.text = None
                for child in list(element):
                    element.remove(child)
            elif op == "repeat" and parent is not None:
                for _ in range(draw(st.integers(1, 20))):
                    parent.append(copy.deepcopy(element))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return draw(mutated([data], b"<>", max_ops=2)) if draw(st.integers(0, 3)) == 0 else data


def _deep(depth: int) -> str:
    return "association: " + "[" * depth + "]" * depth + "\n"


def _laughs(levels: int) -> str:
    text = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n"
    return text


# YAML written to hurt: deep nesting, aliases that explode or contain themselves, merge keys, duplicate keys,
# tags SafeLoader cannot make, python tags, escapes of controls and surrogates, wrong types
YAML_TRICKS = [
    _deep(20),
    _deep(200),
    _deep(5000),
    "a: " + "{b: " * 3000 + "1" + "}" * 3000 + "\n",
    _laughs(4),
    _laughs(9),
    "r: &r [*r]\n",
    "r: &r {k: *r}\n",
    "m: &m {a: 1}\nn: {<<: [*m, *m, *m], <<: *m}\n",
    "association: {nom: a}\nassociation: {nom: b}\n",
    "fjh: []\nfjh: []\n",
    "d: 2026-13-45\n",
    "d: 0000-01-01\n",
    "d: !!timestamp demain\n",
    "i: !!int douze\n",
    "f: !!float beaucoup\n",
    "b: !!bool peut-etre\n",
    "x: !!binary '@@@'\n",
    "s: !!set {a, b}\n",
    "o: !!omap [a: 1, a: 2]\n",
    "p: !!python/object/apply:os.system ['true']\n",
    'n: "\\x00\\x01"\n',
    'u: "\\ud800"\n',
    "regularisation_mois: 1e999\n",
    "regularisation_mois: .nan\n",
    "regularisation_mois: 99999999999999999999999999\n",
    'fjh: [{depuis: 2018-01-01, montant: "NaN"}]\n',
    'fjh: [{depuis: 2018-01-01, montant: "1e999"}]\n',
    "fjh: [{depuis: 2018-01-01, montant: 1e999}]\n",
    'fjh: [{depuis: "２０１８-０１-０１", montant: "٢٠"}]\n',
    "absences: {departement: {hospitalisation: [{jusqu_a: 99999999999, base: plein}, {base: zero}],"
    " convenance: [{base: zero}]}}\n",
    "alertes: {smtp: {hote: h, expediteur: e, port: 99999999999}}\n",
    'fec: {encodage: "utf\\0"}\n',
    "fec: {encodage: " + "x" * 10000 + "}\n",
    "comptes: {produits: [1, 2]}\n",
    "relances: {usager: {niveaux: [{code: relance1, delai_jours: -1, canaux: [fax]}]}}\n",
    "? [a, b]\n: c\n",
    "? {a: b}\n: c\n",
    "--- a\n--- b\n",
    "%YAML 9.9\n--- a\n",
    "a: 'unterminated\n",
    "\t- tab\n",
    "association: " + "x" * 200_000 + "\n",
]


@st.composite
def hostile_yaml(draw) -> str:
    """A settings file with a hostile piece put in, a mutated one, or one of random structure."""
    seed = draw(st.sampled_from(SETTINGS_SEEDS))
    kind = draw(st.sampled_from(("trick", "trick", "mutated", "value", "structure")))
    if kind == "trick":
        trick = draw(st.sampled_from(YAML_TRICKS))
        return (seed + trick) if draw(st.booleans()) else (trick + seed)
    if kind == "mutated":
        return draw(mutated([seed.encode()], b":,{}[]")).decode("utf-8", errors="replace")
    if kind == "value":  # a scalar of the seed replaced by a hostile value, quoted or not
        values = list(re.finditer(r"(?<=: )[^\n{}\[\],]+", seed))
        target = draw(st.sampled_from(values))
        value = draw(st.sampled_from(HOSTILE_TEXT)).replace("\x00", "\\0")
        if draw(st.booleans()):
            value = '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        return seed[: target.start()] + value + seed[target.end() :]
    keys = st.sampled_from(
        ["association", "fjh", "absences", "comptes", "relances", "fec", "alertes", "mention_tva", "x", "1", ""]
    )
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.sampled_from(HOSTILE_TEXT[:60])
    )
    tree = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4))
    return yaml.safe_dump(draw(st.dictionaries(keys, tree, max_size=6)), allow_unicode=draw(st.booleans()))

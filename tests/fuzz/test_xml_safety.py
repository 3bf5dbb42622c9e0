"""camt files are XML from outside: no entity is expanded, no external entity or DTD is read, from disk or
from the network, and a DOCTYPE is refused outright (a bank statement never has one). Checked on
`parse_camt` and on the lxml parser it is built with, so that the parser stays safe even for a document
the DOCTYPE refusal would not catch."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from lxml import etree

from assets.payments.camt import CamtError, _parser, parse_camt

STATEMENT = (
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
    "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>"
    "<Ntry><Amt Ccy='EUR'>10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-03-02</Dt></BookgDt>"
    "<AcctSvcrRef>R1</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls>"
    "</Ntry></Stmt></BkToCstmrStmt></Document>"
)


def document(dtd: str, text: str) -> str:
    return f'<?xml version="1.0"?>\n<!DOCTYPE Document [\n{dtd}\n]>\n' + STATEMENT.format(text=text)


def laughs(levels: int = 10) -> str:
    """The "billion laughs": 10 ** levels times "lol" once expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return document("\n".join(entities), f"&lol{levels - 1};")


def peak_rss_kb(call) -> int:
    """The growth of the process's peak resident memory while `call` runs (lxml allocates outside Python)."""
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident size
    before = int(re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))
    call()
    return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) - before


def test_billion_laughs_is_refused_at_once_with_bounded_memory():
    data = laughs().encode()
    start = time.perf_counter()
    grown = peak_rss_kb(lambda: pytest.raises(CamtError, parse_camt, data, "bombe.xml"))
    assert time.perf_counter() - start < 1.0
    assert grown < 20_000  # kB; expanded, the bomb is 3 GB
    with pytest.raises(CamtError) as err:
        parse_camt(data, "bombe.xml")
    assert str(err.value) == "bombe.xml, ligne 2 : déclaration DOCTYPE refusée (un relevé bancaire n'en a pas)"


def test_the_parser_itself_never_expands_entities():
    """Even without the DOCTYPE refusal, the parser leaves entity references unexpanded, and libxml2 refuses
    a document whose entities would be amplified (quickly, without expanding them)."""
    root = etree.fromstring(laughs(3).encode(), _parser())
    ustrd = root.find(".//{*}Ustrd")
    assert len(ustrd) == 1 and ustrd[0].tag is etree.Entity and ustrd[0].text == "&lol2;"
    assert "lol" not in (ustrd.text or "")
    start = time.perf_counter()
    grown = peak_rss_kb(lambda: pytest.raises(etree.XMLSyntaxError, etree.fromstring, laughs().encode(), _parser()))
    assert time.perf_counter() - start < 1.0
    assert grown < 20_000


def test_a_doctype_in_another_encoding_is_refused_too():
    """The byte search for "<!DOCTYPE" does not see UTF-16: the parsed document's DOCTYPE is refused."""
    data = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Document>' + STATEMENT.format(text="x")).encode("utf-16")
    with pytest.raises(CamtError) as err:
        parse_camt(data, "releve16.xml")
    assert str(err.value) == "releve16.xml : déclaration DOCTYPE refusée (un relevé bancaire n'en a pas)"
    start = time.perf_counter()
    with pytest.raises(CamtError, match=r"^bombe16.xml, ligne 1 : XML illisible \(Maximum entity amplification"):
        parse_camt(laughs().encode("utf-16"), "bombe16.xml")
    assert time.perf_counter() - start < 1.0


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("MOT-DE-PASSE-7f3a9c")
    return path


def test_external_entities_never_bring_a_file_in(secret):
    for dtd, text in [
        (f'<!ENTITY x SYSTEM "file://{secret}">', "&x;"),
        (f'<!ENTITY x SYSTEM "{secret}">', "&x;"),
        (f'<!ENTITY % p SYSTEM "file://{secret}"> %p;', "x"),
        ("", '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://' + str(secret) + '"/>'),
    ]:
        data = document(dtd, text).encode()
        if dtd:
            with pytest.raises(CamtError, match="déclaration DOCTYPE refusée"):
                parse_camt(data, "x.xml")
        try:
            root = etree.fromstring(data, _parser())
        except etree.XMLSyntaxError:
            continue  # refused by the parser: nothing read either
        assert b"MOT-DE-PASSE" not in etree.tostring(root), dtd
    # the control: a parser that resolves entities does bring the file in
    unsafe = etree.XMLParser(resolve_entities=True, load_dtd=True)
    leaked = etree.fromstring(document(f'<!ENTITY x SYSTEM "file://{secret}">', "&x;").encode(), unsafe)
    assert b"MOT-DE-PASSE" in etree.tostring(leaked)
    # the XInclude above is plain data to the reader: it reaches no field
    (statement,) = parse_camt(document("", "x").replace("<!DOCTYPE Document [\n\n]>\n", "").encode(), "x.xml")
    assert all("MOT-DE-PASSE" not in line.reference for line in statement.lines)


def test_no_network_access_for_an_external_dtd_or_entity():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    connections: list = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            connections.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}/releve.dtd"
        cases = [
            f'<?xml version="1.0"?><!DOCTYPE Document SYSTEM "{url}">' + STATEMENT.format(text="x"),
            document(f'<!ENTITY x SYSTEM "{url}">', "&x;"),
            document(f'<!ENTITY % p SYSTEM "{url}"> %p;', "x"),
        ]
        for data in cases:
            with pytest.raises(CamtError, match="déclaration DOCTYPE refusée"):
                parse_camt(data.encode(), "x.xml")
            try:
                root = etree.fromstring(data.encode(), _parser())
                assert root.find(".//{*}Ustrd") is not None
            except etree.XMLSyntaxError:
                pass
            time.sleep(0.3)
            assert connections == [], data
        if "http" in etree.LIBXML_FEATURES:  # a libxml2 that can fetch: the server does see a parser allowed to
            with contextlib.suppress(etree.XMLSyntaxError):
                etree.fromstring(cases[0].encode(), etree.XMLParser(load_dtd=True, no_network=False))
            time.sleep(0.3)
            assert len(connections) == 1
    finally:
        stop.set()
        thread.join()
        server.close()


def test_a_statement_without_doctype_still_reads():
    (statement,) = parse_camt(STATEMENT.format(text="F2026-000123").encode(), "ok.xml")
    assert [(line.line_id, str(line.amount), line.reference) for line in statement.lines] == [
        ("CAMT-R1", "10.00", "F2026-000123")
    ]

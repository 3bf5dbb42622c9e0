"""A demo home remembers its people between closes (demo/etat.pickle): the step after a month's close happens
once, whoever asks for it (`play` in the command, the UI's sensor in another process), in the demo's order."""

import pytest

from demo.generator import generate
from demo.run import STATE, Demo, after_ui_close, prepare

FIRST, NEXT = "2024-11", "2024-12"


@pytest.fixture(scope="module")
def data():
    return generate("demo", 66)


def files(home):
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()}


def test_generate_makes_a_demo_home_ready_for_its_first_close(tmp_path, data):
    home = tmp_path / "home"
    prepare(home, data, 66)
    assert (home / STATE).stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in (home / "entrees" / "banque").iterdir()) == [
        f"releve_principal_{FIRST}.xml",
        f"releve_secondaire_{FIRST}.cfo",
    ]
    assert len(list((home / "entrees" / "activite").iterdir())) == len(data.months)
    demo = Demo.load(home)
    assert demo is not None and (demo.played, demo.next_to_play()) == (None, FIRST)
    assert demo.payers.numbers == {"camt": 1, "cfonb": 1}  # the first month's statements already written


def test_the_step_after_a_close_happens_once_whoever_asks(tmp_path, data):
    home = tmp_path / "home"
    prepare(home, data, 66)
    in_command = Demo.load(home)
    assert in_command is not None
    assert after_ui_close(home, FIRST, lambda month: True) == (
        True,
        f"démonstration : paiements, grand livre et appels écrits après la clôture de {FIRST} ; entrées de {NEXT} "
        "déposées",
    )
    written = files(home)
    assert f"entrees/banque/releve_principal_{NEXT}.xml" in written
    assert after_ui_close(home, FIRST, lambda month: True) == (
        False,
        f"démonstration : {FIRST} déjà suivi des paiements et des appels",
    )
    assert in_command.advance(FIRST, NEXT) is False  # the command finds it done, and takes the saved state
    assert in_command.played == FIRST and in_command.payers.numbers == {"camt": 2, "cfonb": 2}
    assert files(home) == written


def test_only_a_demo_home_and_only_in_the_demo_s_order(tmp_path, data):
    assert after_ui_close(tmp_path, FIRST, lambda month: True) == (False, "pas une association de démonstration")
    home = tmp_path / "home"
    prepare(home, data, 66)
    before = files(home)
    assert after_ui_close(home, "2025-03", lambda month: month == "2025-03") == (
        False,
        f"démonstration : rien à écrire après 2025-03, la démonstration attend la clôture de {FIRST}",
    )
    assert files(home) == before

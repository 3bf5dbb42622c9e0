"""A control's outcome as Dagster shows it: example rows as a Markdown table, a failure said in the run's log."""

import logging

import dagster as dg

from assets.common.controls import ERROR, WARNING, ControlOutcome
from checks.wiring import check_result, markdown_table


def test_example_rows_are_a_markdown_table_with_pipes_escaped():
    rows = [{"id_usager": "000178", "jours": 2}, {"id_usager": "a|b", "jours": None, "ligne": 7}]
    assert markdown_table(rows) == ("| id_usager | jours | ligne |\n|---|---|---|\n| 000178 | 2 |  |\n| a\\|b |  | 7 |")


class Log:
    def __init__(self):
        self.said: list[tuple[int, str]] = []

    def error(self, text: str) -> None:
        self.said.append((logging.ERROR, text))

    def warning(self, text: str) -> None:
        self.said.append((logging.WARNING, text))


class Context:
    def __init__(self):
        self.log = Log()


def test_a_failed_control_is_said_in_the_log_at_its_level_and_a_passed_one_is_not():
    failed = ControlOutcome("activite_doublons", "activite", ERROR, False, 2, "2 ligne(s)", [{"id_usager": "000178"}])
    context = Context()
    result = check_result(failed, context)
    assert (result.passed, result.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert result.metadata["exemples"] == dg.MetadataValue.md("| id_usager |\n|---|\n| 000178 |")
    assert context.log.said == [
        (
            logging.ERROR,
            "contrôle activite_doublons en échec (erreur, 2) : 2 ligne(s)\npremiers cas :\n| id_usager |\n|---|\n"
            "| 000178 |",
        )
    ]
    warned = Context()
    check_result(ControlOutcome("capacite_depassee", "activite", WARNING, False, 1, "1 jour"), warned)
    assert warned.log.said == [(logging.WARNING, "contrôle capacite_depassee en échec (avertissement, 1) : 1 jour")]
    quiet = Context()
    check_result(ControlOutcome("activite_doublons", "activite", ERROR, True, 0, "aucun"), quiet)
    assert quiet.log.said == []


def test_an_error_on_some_establishments_holds_them_and_lets_the_run_go_on():
    from assets.common.controls import holding

    failed = ControlOutcome("activite_doublons", "activite", ERROR, False, 2, "2 ligne(s)")
    held = holding(failed, {"FH01", "FAM01"})
    assert held.establishments == ("FAM01", "FH01") and held.holds_some
    assert held.detail == "2 ligne(s) — établissement(s) retenu(s) : FAM01, FH01 ; les autres suivent leur cours"
    context = Context()
    result = check_result(held, context)
    # recorded as an error (controles.csv, exit 1), but not blocking the assets after it in Dagster
    assert (result.passed, result.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert result.metadata["etablissements_retenus"] == dg.MetadataValue.text("FAM01, FH01")
    assert context.log.said[0][0] == logging.ERROR
    # no establishment named, a passed control, or a warning: unchanged
    assert holding(failed, set()) is failed
    passed = ControlOutcome("activite_doublons", "activite", ERROR, True, 0, "aucun doublon")
    assert holding(passed, {"FH01"}) is passed
    warning = ControlOutcome("capacite_depassee", "activite", WARNING, False, 1, "1 jour")
    assert holding(warning, {"FH01"}) is warning
    assert check_result(failed).severity == dg.AssetCheckSeverity.ERROR


def test_every_check_has_its_french_description_in_the_ui():
    from checks.descriptions import DESCRIPTIONS
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    said = {key.name: graph.get_check_spec(key).description for key in graph.asset_check_keys}
    assert said == DESCRIPTIONS  # every check, and nothing described that is not a check
    assert said["activite_doublons"].startswith("Jamais deux fois le même usager, établissement et jour")

import dagster as dg

from assets.common.partitions import month_of, months, partition_of
from pipelines.definitions import build, defs
from pipelines.jobs import CLOSE_MONTH


def test_definitions_load_and_list_every_asset_check_and_partition():
    dg.Definitions.validate_loadable(defs)
    assert sorted((s.name, s.default_status.value) for s in defs.sensors) == [
        ("alert_after_close", "RUNNING"),
        ("alert_after_failed_close", "RUNNING"),
        ("demo_after_close", "RUNNING"),  # skips outside a demo home
        ("interrupted_runs", "RUNNING"),
    ]
    graph = defs.resolve_asset_graph()
    assert sorted(k.to_user_string() for k in graph.get_all_asset_keys()) == [
        "accounting_entries",
        "activity_days",
        "aged_balance",
        "allocations",
        "bank_lines",
        "billing_files",
        "director_report",
        "dunning_letters",
        "entry_file",
        "invoice_documents",
        "issued_documents",
        "ledger_reciprocity",
        "matching_files",
        "outputs_retention",
        "prefacturation",
        "referential",
        "reminders",
        "valued_days",
    ]
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert checks == {
        ("referential", "referentiel_fichiers_lisibles"),
        ("referential", "referentiel_lignes_rejetees"),
        ("referential", "mandats_lignes_rejetees"),
        ("referential", "previsions_lignes_rejetees"),
        ("referential", "referentiel_identifiants_uniques"),
        ("referential", "tarifs_chevauchement"),
        ("referential", "prises_en_charge_chevauchement"),
        ("referential", "sejours_chevauchement"),
        ("activity_days", "activite_fichiers_lisibles"),
        ("activity_days", "activite_lignes_rejetees"),
        ("activity_days", "activite_doublons"),
        ("activity_days", "activite_conforme"),
        ("activity_days", "activite_manquante"),
        ("activity_days", "activite_hors_sejour"),
        ("activity_days", "jours_non_renseignes"),
        ("activity_days", "capacite_depassee"),
        ("valued_days", "activite_sous_prevision"),
        ("valued_days", "jours_sans_tarif"),
        ("valued_days", "activite_valorisation"),
        ("valued_days", "date_emission"),
        ("valued_days", "financeurs_publics_siret"),
        ("activity_days", "mois_precedents_clotures"),
        ("valued_days", "facturx_regles"),
        ("valued_days", "avoirs_massifs"),
        ("referential", "factures_sans_referentiel"),
        ("issued_documents", "valorisation_facturation"),
        ("issued_documents", "numerotation_continue"),
        ("issued_documents", "etablissements_retenus"),
        ("issued_documents", "totaux_documents"),
        ("invoice_documents", "facturx_valide"),
        ("bank_lines", "banque_fichiers_lisibles"),
        ("bank_lines", "releves_equilibres"),
        ("bank_lines", "releves_enchaines"),
        ("bank_lines", "banque_lignes_rejetees"),
        ("allocations", "lettrage_coherent"),
        ("allocations", "lignes_non_rapprochees"),
        ("allocations", "credits_non_affectes"),
        ("allocations", "lettrage_decisions_rejetees"),
        ("allocations", "tresorerie_decisions_rejetees"),
        ("allocations", "remboursements_impossibles"),
        ("accounting_entries", "ecritures_equilibrees"),
        ("accounting_entries", "journal_ventes_documents"),
        ("accounting_entries", "ecritures_numerotation"),
        ("entry_file", "fec_conforme"),
        ("ledger_reciprocity", "reciprocite_comptable"),
        ("aged_balance", "dossiers_en_instruction_anciens"),
        ("reminders", "appels_lignes_rejetees"),
    }
    blocking = {k.name for k in graph.asset_check_keys if graph.get_check_spec(k).blocking}
    assert blocking == {
        "mois_precedents_clotures",
        "facturx_regles",
        "avoirs_massifs",
        "factures_sans_referentiel",
        "referentiel_fichiers_lisibles",
        "referentiel_lignes_rejetees",
        "referentiel_identifiants_uniques",
        "tarifs_chevauchement",
        "prises_en_charge_chevauchement",
        "sejours_chevauchement",
        "activite_fichiers_lisibles",
        "activite_doublons",
        "activite_conforme",
        "activite_manquante",
        "jours_sans_tarif",
        "financeurs_publics_siret",
        "date_emission",
        "activite_valorisation",
        "valorisation_facturation",
        "numerotation_continue",
        "totaux_documents",
        "facturx_valide",
        "banque_fichiers_lisibles",
        "releves_equilibres",
        "lettrage_coherent",
        "ecritures_equilibrees",
        "journal_ventes_documents",
        "ecritures_numerotation",
        "fec_conforme",
        # warnings marked blocking only so that the director's report waits for them: a WARN never blocks
        "reciprocite_comptable",
        "dossiers_en_instruction_anciens",
        "appels_lignes_rejetees",
    }


def test_month_bound_assets_share_one_monthly_partitioning_and_the_warehouse_pool(tmp_path):
    referential = defs.get_assets_def("referential")
    activity = defs.get_assets_def("activity_days")
    assert referential.partitions_def is None
    assert activity.partitions_def is months
    (tmp_path / "entrees" / "activite" / "2024-11").mkdir(parents=True)
    other = build(str(tmp_path))  # another data folder: its own months, for every month-bound asset and the job
    graph = other.resolve_asset_graph()
    partitioned = {graph.get(k).partitions_def for k in graph.get_all_asset_keys()} - {None}
    assert len(partitioned) == 1
    (own,) = partitioned
    assert own.get_partition_keys()[0] == "2024-11-01" and own != months
    assert other.resolve_job_def(CLOSE_MONTH).partitions_def == own
    assert build(str(tmp_path)).get_assets_def("activity_days").partitions_def == own
    for asset in (referential, activity):
        assert asset.op.pool == "warehouse"
        assert asset.group_names_by_key[asset.key] == "ingest"
    assert month_of("2025-03-01") == "2025-03" and partition_of("2025-03") == "2025-03-01"


def test_close_month_job_runs_in_process():
    job = defs.resolve_job_def(CLOSE_MONTH)
    assert job.executor_def is dg.in_process_executor
    assert {n.name for n in job.nodes} == {
        "referential",
        "activity_days",
        "valued_days",
        "prefacturation",
        "issued_documents",
        "billing_files",
        "invoice_documents",
        "referential_controls",
        "activity_controls",
        "valuation_controls",
        "activity_days_mois_precedents_clotures",
        "referential_factures_sans_referentiel",
        "document_controls",
        "issued_documents_etablissements_retenus",
        "valued_days_activite_sous_prevision",
        "invoice_documents_facturx_valide",
        "bank_lines",
        "allocations",
        "matching_files",
        "bank_controls",
        "matching_controls",
        "accounting_entries",
        "entry_file",
        "entry_controls",
        "entry_file_fec_conforme",
        "ledger_reciprocity",
        "ledger_reciprocity_reciprocite_comptable",
        "aged_balance",
        "reminders",
        "dunning_letters",
        "aged_balance_dossiers_en_instruction_anciens",
        "director_report",
        "reminders_appels_lignes_rejetees",
        "outputs_retention",
    }


def test_an_association_among_several_has_its_own_keys_groups_pool_and_tag(tmp_path):
    """RECETTES_ASSOCIATION set (one code location per association, docs/operations.md): every asset key and check
    under its code, its groups prefixed, every step on its own warehouse pool, its jobs' runs tagged with it."""
    import json
    import os
    import subprocess
    import sys

    script = """
import json
from pipelines.definitions import defs
repo = defs.get_repository_def()
graph = repo.asset_graph
print(json.dumps({
    "keys": sorted(k.to_user_string() for k in graph.get_all_asset_keys()),
    "checks": sorted({c.asset_key.to_user_string() for c in graph.asset_check_keys}),
    "groups": sorted({graph.get(k).group_name for k in graph.get_all_asset_keys()}),
    "pools": sorted({a.op.pool for a in defs.assets} | {c.op.pool for c in defs.asset_checks} - {None}),
    "tags": {j.name: j.tags.get("recettes/association") for j in repo.get_all_jobs() if j.name != "__ASSET_JOB"},
    "prepared": sorted(
        k.to_user_string() for k in repo.get_job("preparation_mensuelle").asset_layer.executable_asset_keys
    ),
}))
"""
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(RECETTES_HOME=str(tmp_path), RECETTES_ASSOCIATION="asso66")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["keys"][:3] == ["asso66/accounting_entries", "asso66/activity_days", "asso66/aged_balance"]
    assert len(found["keys"]) == 18 and all(k.startswith("asso66/") for k in found["keys"])
    assert all(k.startswith("asso66/") for k in found["checks"])
    assert found["groups"] == [f"asso66_{g}" for g in ("accounting", "billing", "ingest", "payments", "receivables",
                                                         "reporting")]  # fmt: skip
    assert found["pools"] == ["warehouse_asso66"]
    assert found["tags"] == dict.fromkeys(("cloture_mensuelle", "preparation_mensuelle", "validation_mensuelle"),
                                          "asso66")  # fmt: skip
    assert found["prepared"] == ["asso66/activity_days", "asso66/prefacturation", "asso66/referential",
                                 "asso66/valued_days"]  # fmt: skip
    env["RECETTES_ASSOCIATION"] = "Asso-66"
    refused = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "RECETTES_ASSOCIATION='Asso-66' : code d'association attendu" in refused.stderr

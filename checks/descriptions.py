"""What each control checks, in French, as the Dagster UI shows it beside its result (docs/rules.md "Controls and
reconciliations" has the same list with the severities)."""

DESCRIPTIONS = {
    # référentiel
    "referentiel_fichiers_lisibles": "Les sept fichiers du référentiel sont présents, lisibles et ont leurs colonnes "
    "obligatoires ; sinon le référentiel précédent reste en place.",
    "mandats_lignes_rejetees": "Lignes de mandats.csv écartées (IBAN, RUM, dates, payeur inconnu, mandats en "
    "double) : ces payeurs ne sont pas prélevés.",
    "previsions_lignes_rejetees": "Lignes de previsions.csv écartées (établissement inconnu, année, journées ou taux "
    "faux, établissement donné deux fois pour une année) : pas de comparaison au budget pour elles.",
    "referentiel_lignes_rejetees": "Lignes du référentiel écartées (valeur obligatoire absente ou fausse, usager, "
    "établissement ou financeur inconnu, fin avant début).",
    "referentiel_identifiants_uniques": "Codes d'établissement, de financeur et d'usager uniques.",
    "tarifs_chevauchement": "Aucune période de tarif ne chevauche une autre (B3).",
    "prises_en_charge_chevauchement": "Aucune prise en charge accordée ou en instruction ne chevauche une autre (B4).",
    "sejours_chevauchement": "Aucun séjour ne chevauche un autre (B2).",
    "factures_sans_referentiel": "Chaque usager, financeur et séjour déjà facturé est encore au référentiel.",
    # activité
    "activite_fichiers_lisibles": "Chaque extrait d'activité du mois (et des mois relus) est lisible.",
    "activite_lignes_rejetees": "Lignes d'activité écartées : date ou code faux, date hors du mois, usager ou "
    "établissement inconnu.",
    "activite_doublons": "Jamais deux fois le même usager, établissement et jour (B1) ; l'établissement en cause "
    "est retenu.",
    "activite_conforme": "Journées enregistrées avec un code connu et une date dans le mois.",
    "activite_manquante": "Chaque établissement au prix de journée ayant des séjours dans le mois a son activité ; "
    "sinon il est retenu.",
    "activite_hors_sejour": "Activité hors de tout séjour (B2).",
    "jours_non_renseignes": "Jours d'un séjour sans ligne d'activité.",
    "capacite_depassee": "Plus d'usagers présents que de places.",
    "mois_precedents_clotures": "Les mois précédents sont clôturés (fichier d'écritures exporté).",
    # valorisation
    "jours_sans_tarif": "Chaque journée facturable a un tarif (B3) ; l'établissement en cause est retenu.",
    "activite_valorisation": "Activité et facturation : chaque journée du mois est facturée, en attente ou non "
    "facturée avec un motif ; jours et montants concordent.",
    "date_emission": "La date d'émission : jamais avant la dernière de sa série ; avant la fin du mois ou plus de "
    "60 jours après, seulement confirmée.",
    "financeurs_publics_siret": "Chaque département et assurance maladie à facturer a un SIRET utilisable.",
    "facturx_regles": "Les documents à émettre aux payeurs publics respectent les règles EN 16931, Factur-X et "
    "françaises.",
    "avoirs_massifs": "Garde-fou des avoirs massifs : pas d'avoirs à un financeur au-delà des seuils du paramétrage.",
    # documents
    "valorisation_facturation": "Dû et émis concordent par financeur, établissement, usager et mois ; jours "
    "facturés par établissement.",
    "numerotation_continue": "Numérotation continue par série et année, dates d'émission jamais en arrière.",
    "totaux_documents": "Le total de chaque document est la somme de ses lignes.",
    "activite_sous_prevision": "Établissements dont les journées réalisées depuis le début de l'année sont à plus "
    "du seuil (rapports.seuil_sous_activite, 3 % par défaut) sous leurs journées prévisionnelles proratisées.",
    "etablissements_retenus": "Établissements retenus par l'émission, avec la raison : contrôle en échec, non "
    "validé, ou modifié depuis sa validation.",
    "facturx_valide": "Chaque document d'un payeur public est un fichier Factur-X valide (XSD, numéro, type, "
    "montant, métadonnées PDF/A).",
    # banque et lettrage
    "banque_fichiers_lisibles": "Relevés bancaires et fichiers d'encaissements lisibles.",
    "releves_equilibres": "Solde initial + mouvements = solde final de chaque relevé.",
    "releves_enchaines": "Relevés successifs d'un compte sans trou, chevauchement ni solde non reporté.",
    "banque_lignes_rejetees": "Lignes d'encaissements manuels et lignes bancaires écartées.",
    "lettrage_coherent": "Aucune ligne ni facture affectée au-delà de son montant.",
    "lignes_non_rapprochees": "Lignes bancaires en attente d'une décision.",
    "credits_non_affectes": "Encaissements laissant un crédit à affecter.",
    "lettrage_decisions_rejetees": "Décisions de lettrage manuel écartées.",
    "tresorerie_decisions_rejetees": "Décisions de non-valeur ou de remboursement écartées (facture soldée, montant "
    "supérieur au reste dû ou au crédit).",
    "remboursements_impossibles": "Crédits à rembourser dont le payeur n'a aucun IBAN connu.",
    # comptabilité
    "ecritures_equilibrees": "Chaque écriture est équilibrée.",
    "journal_ventes_documents": "Le journal des ventes porte chaque document, au centime.",
    "ecritures_numerotation": "Numéros d'écriture continus et chronologiques par journal et année.",
    "fec_conforme": "Le fichier des écritures relu respecte chaque règle du FEC.",
    "reciprocite_comptable": "Grand livre et facturation : le solde 411 de chaque financeur concorde.",
    # recouvrement
    "dossiers_en_instruction_anciens": "Dossiers d'aide sociale en instruction depuis plus de 90 jours.",
    "appels_lignes_rejetees": "Lignes du journal des appels écartées.",
}

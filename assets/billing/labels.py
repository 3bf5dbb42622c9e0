"""What the documents call each line category, in the operator's and the payers' words."""

from __future__ import annotations

from assets.common.settings import Settings

CATEGORY_ORDER = (
    "presence",
    "hospitalisation",
    "hospitalisation_au_dela",
    "absence",
    "absence_au_dela",
    "forfait_journalier",
    "participation_frais_hebergement",
    "participation_usager",
)
_LABELS = {
    "presence": "Journées de présence",
    "hospitalisation": "Absence pour hospitalisation",
    "hospitalisation_au_dela": "Hospitalisation au-delà du {n}e jour (prix de journée − forfait journalier)",
    "absence": "Absence pour convenance personnelle",
    "absence_au_dela": "Convenance personnelle au-delà du {n}e jour (prix de journée − forfait journalier)",
    "forfait_journalier": "Forfait journalier hospitalier (jours de présence)",
    "participation_frais_hebergement": "Participation aux frais d'hébergement",
    "participation_usager": "Participation de l'usager",
}
_KIND = {"hospitalisation_au_dela": "hospitalisation", "absence_au_dela": "convenance"}


def label(category: str, settings: Settings, payer_type: str, payer_code: str) -> str:
    text = _LABELS[category]
    if category in _KIND:
        tiers = getattr(settings.absence_policy(payer_type, payer_code), _KIND[category])
        bound = next((t.jusqu_a for t in tiers if t.base == "plein" and t.jusqu_a), 0)
        text = text.format(n=bound)
    return text


def category_rank(category: str) -> int:
    return CATEGORY_ORDER.index(category)

"""Who and where, for the demo: French names, streets and towns of the Pyrénées-Orientales and around, and the
numbers an administration checks (SIREN/SIRET by the Luhn key, IBAN by its key)."""

from __future__ import annotations

import random

from schwifty import IBAN

LAST_NAMES = [
    "Martin",
    "Garcia",
    "Roig",
    "Puig",
    "Vidal",
    "Ferrer",
    "Bosch",
    "Serra",
    "Fabre",
    "Lopez",
    "Sanchez",
    "Mas",
    "Sala",
    "Pons",
    "Bonet",
    "Cazals",
    "Estève",
    "Galceran",
    "Jordà",
    "Llobet",
    "Marty",
    "Noguès",
    "Pujol",
    "Rière",
    "Sabaté",
    "Tixador",
    "Vilanova",
    "Xatart",
    "Batlle",
    "Coste",
    "Delonca",
    "Escudié",
    "Font",
    "Girbal",
    "Huguet",
    "Jammes",
    "Lafitte",
    "Mercader",
    "Nicolau",
    "Olive",
    "Parès",
    "Quintana",
    "Rovira",
    "Soler",
    "Thiers",
    "Ubach",
    "Verdaguer",
    "Bénézech",
    "Cœurdevey",
    "Dàvila",
    "Müller",
    "O'Neill",
    "Lefèvre",
    "Moreau",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
]
FIRST_NAMES = [
    "Jordi",
    "Montserrat",
    "Núria",
    "Pere",
    "Joan",
    "Marie",
    "Hélène",
    "Noémie",
    "Zoé",
    "Loïc",
    "Anaïs",
    "Jérôme",
    "Gaëlle",
    "François",
    "Céline",
    "Benoît",
    "Maëlys",
    "Raphaël",
    "Léa",
    "Chloé",
    "Lucas",
    "Hugo",
    "Emma",
    "Inès",
    "Théo",
    "Camille",
    "Nathan",
    "Manon",
    "Louis",
    "Jade",
    "Arthur",
    "Lina",
    "Jules",
    "Sarah",
    "Gabriel",
    "Éloïse",
    "Adam",
    "Rose",
    "Paul",
    "Alice",
    "Mathis",
    "Agnès",
    "Daniel",
    "Thérèse",
    "Michel",
    "Françoise",
    "Jean-Pierre",
    "Marie-Thérèse",
    "Rémi",
    "Cécile",
]
STREETS = [
    "rue des Amandiers",
    "avenue du Canigou",
    "rue Pierre Talrich",
    "chemin de la Fosseille",
    "boulevard Aristide Briand",
    "rue des Tanneries",
    "place de la République",
    "rue du Vallespir",
    "avenue des Pyrénées",
    "rue Jean Jaurès",
    "impasse des Mimosas",
    "route de Thuir",
]
TOWNS = [
    ("66000", "Perpignan"),
    ("66100", "Perpignan"),
    ("66300", "Thuir"),
    ("66400", "Céret"),
    ("66500", "Prades"),
    ("66600", "Rivesaltes"),
    ("66700", "Argelès-sur-Mer"),
    ("66200", "Elne"),
    ("66140", "Canet-en-Roussillon"),
    ("66160", "Le Boulou"),
    ("11000", "Carcassonne"),
    ("11100", "Narbonne"),
    ("34000", "Montpellier"),
    ("31000", "Toulouse"),
    ("09000", "Foix"),
]


def luhn_number(rng: random.Random, prefix: str, length: int) -> str:
    """A number of `length` digits starting with `prefix` that passes the Luhn check (SIREN/SIRET)."""
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    for last in range(10):
        candidate = body + str(last)
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


# the BIC of each bank code random_iban draws (the mandates give it with the IBAN)
BICS = {
    "30006": "AGRIFRPPXXX",
    "10278": "CMCIFR2AXXX",
    "13506": "AGRIFRPP835",
    "16607": "CCBPFRPPPPG",
    "30003": "SOGEFRPPXXX",
    "11006": "AGRIFRPP810",
}


def random_iban(rng: random.Random) -> str:
    bank = rng.choice(list(BICS))
    account = "".join(str(rng.randrange(10)) for _ in range(11))
    return IBAN.generate(
        "FR", bank_code=bank, branch_code=f"{rng.randrange(100000):05d}", account_code=account
    ).formatted


def random_address(rng: random.Random) -> str:
    postcode, town = rng.choice(TOWNS)
    return f"{rng.randrange(1, 120)} {rng.choice(STREETS)}, {postcode} {town}"


def rng_town(rng: random.Random) -> str:
    return rng.choice(TOWNS)[1]

"""Static facts the demo's students are made of: first and last names, mobile numbers.

Plausible, not official: no name belongs to a real student.
"""

from __future__ import annotations

# Mobile numbers: (country calling code, national prefixes). Every national number has nine
# digits; the prefixes are ranges ``phonenumbers`` classifies as mobile.
MAINLAND_MOBILES = (
    "33",
    ("60", "61", "62", "64", "65", "66", "67", "68", "73", "74", "75", "76", "77", "78"),
)
REUNION_MOBILES = ("262", ("692", "69300", "69301", "69302", "69303", "69310", "69320"))
MARTINIQUE_MOBILES = ("596", ("696",))
GUADELOUPE_MOBILES = ("590", ("690",))
GUYANE_MOBILES = ("594", ("6940", "6941", "6942"))
#: Overseas Crous whose students mostly have a local mobile number; elsewhere, mainland ones.
MOBILES_BY_CROUS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reunion": REUNION_MOBILES,
    "martinique": MARTINIQUE_MOBILES,
    "guadeloupe": GUADELOUPE_MOBILES,
    "guyane": GUYANE_MOBILES,
}

FIRST_NAMES: tuple[str, ...] = (
    "Léa",
    "Emma",
    "Chloé",
    "Manon",
    "Camille",
    "Inès",
    "Jade",
    "Louise",
    "Sarah",
    "Zoé",
    "Lucas",
    "Hugo",
    "Louis",
    "Nathan",
    "Enzo",
    "Mathis",
    "Théo",
    "Gabriel",
    "Raphaël",
    "Yanis",
    "Clara",
    "Maëlys",
    "Océane",
    "Thomas",
    "Maxime",
    "Antoine",
    "Noémie",
    "Julie",
    "Kylian",
    "Lina",
)
LAST_NAMES: tuple[str, ...] = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Payet",
    "Hoarau",
    "Grondin",
    "Joseph",
    "Rosine",
)
# Students whose housing request came pre-filled by Campus France.
INTERNATIONAL_FIRST_NAMES: tuple[str, ...] = (
    "Amadou",
    "Fatou",
    "Aïcha",
    "Mohamed",
    "Yasmine",
    "Wei",
    "Mei",
    "Ananya",
    "Rahul",
    "Thanh",
    "Lucía",
    "Mateo",
    "Oumar",
    "Awa",
    "Youssef",
)
INTERNATIONAL_LAST_NAMES: tuple[str, ...] = (
    "Diallo",
    "Ndiaye",
    "Traoré",
    "Benali",
    "El Amrani",
    "Zhang",
    "Wang",
    "Sharma",
    "Nguyen",
    "González",
    "Silva",
    "Koné",
    "Haddad",
    "Mensah",
)

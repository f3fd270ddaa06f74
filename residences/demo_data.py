"""Static facts the demo and benchmark data are built from: the academic Crous, their cities,
residence names, streets, first and last names.

Everything here is plausible, not official: contact addresses are on ``.example`` domains,
bed counts are rounded orders of magnitude (they only weigh how the data is spread), and no
name belongs to a real student.
"""

from __future__ import annotations

from dataclasses import dataclass

from residences.models import HolidaySubdivision

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


@dataclass(frozen=True)
class CrousSpec:
    code: str
    name: str
    sms_sender_name: str
    #: Rough number of beds, in thousands: how much of the data this Crous gets.
    weight: float
    #: (city, postal code) pairs, the postal code in the right département.
    cities: tuple[tuple[str, str], ...]
    time_zone: str = "Europe/Paris"
    holiday_subdivision: str = HolidaySubdivision.MAINLAND
    mobiles: tuple[str, tuple[str, ...]] = MAINLAND_MOBILES

    @property
    def contact_email(self) -> str:
        return f"contact.{self.code}@crous-demo.example"


CROUS: tuple[CrousSpec, ...] = (
    CrousSpec(
        "aix-marseille",
        "Crous d'Aix-Marseille-Avignon",
        "CROUS AMA",
        9.0,
        (
            ("Marseille", "13009"),
            ("Marseille", "13013"),
            ("Aix-en-Provence", "13100"),
            ("Avignon", "84000"),
            ("Gap", "05000"),
        ),
    ),
    CrousSpec(
        "amiens",
        "Crous d'Amiens-Picardie",
        "CROUS AMS",
        4.0,
        (("Amiens", "80080"), ("Beauvais", "60000"), ("Compiègne", "60200"), ("Laon", "02000")),
    ),
    CrousSpec(
        "bordeaux",
        "Crous de Bordeaux-Aquitaine",
        "CROUS BDX",
        10.0,
        (
            ("Pessac", "33600"),
            ("Talence", "33400"),
            ("Bordeaux", "33000"),
            ("Gradignan", "33170"),
            ("Pau", "64000"),
            ("Bayonne", "64100"),
            ("Agen", "47000"),
            ("Périgueux", "24000"),
        ),
    ),
    CrousSpec(
        "bfc",
        "Crous de Bourgogne-Franche-Comté",
        "CROUS BFC",
        6.0,
        (
            ("Dijon", "21000"),
            ("Besançon", "25000"),
            ("Belfort", "90000"),
            ("Auxerre", "89000"),
            ("Le Creusot", "71200"),
        ),
    ),
    CrousSpec(
        "clermont",
        "Crous Clermont Auvergne",
        "CROUS CLF",
        5.0,
        (
            ("Clermont-Ferrand", "63000"),
            ("Aubière", "63170"),
            ("Vichy", "03200"),
            ("Aurillac", "15000"),
            ("Le Puy-en-Velay", "43000"),
        ),
    ),
    CrousSpec(
        "corse",
        "Crous de Corse",
        "CROUS CORSE",
        1.0,
        (("Corte", "20250"), ("Ajaccio", "20000")),
    ),
    CrousSpec(
        "creteil",
        "Crous de Créteil",
        "CROUS CRT",
        6.0,
        (
            ("Créteil", "94000"),
            ("Vitry-sur-Seine", "94400"),
            ("Saint-Denis", "93200"),
            ("Villetaneuse", "93430"),
            ("Champs-sur-Marne", "77420"),
        ),
    ),
    CrousSpec(
        "grenoble",
        "Crous Grenoble Alpes",
        "CROUS GRE",
        8.0,
        (
            ("Saint-Martin-d'Hères", "38400"),
            ("Grenoble", "38000"),
            ("Chambéry", "73000"),
            ("Annecy", "74000"),
            ("Valence", "26000"),
        ),
    ),
    CrousSpec(
        "lille",
        "Crous de Lille Nord-Pas-de-Calais",
        "CROUS LILLE",
        11.0,
        (
            ("Villeneuve-d'Ascq", "59650"),
            ("Lille", "59000"),
            ("Roubaix", "59100"),
            ("Valenciennes", "59300"),
            ("Arras", "62000"),
            ("Dunkerque", "59140"),
        ),
    ),
    CrousSpec(
        "lorraine",
        "Crous de Lorraine",
        "CROUS LOR",
        8.0,
        (
            ("Metz", "57000"),
            ("Nancy", "54000"),
            ("Vandœuvre-lès-Nancy", "54500"),
            ("Thionville", "57100"),
            ("Épinal", "88000"),
        ),
        holiday_subdivision=HolidaySubdivision.MOSELLE,
    ),
    CrousSpec(
        "lyon",
        "Crous de Lyon",
        "CROUS LYON",
        9.0,
        (
            ("Lyon", "69007"),
            ("Villeurbanne", "69100"),
            ("Bron", "69500"),
            ("Saint-Étienne", "42000"),
            ("Bourg-en-Bresse", "01000"),
        ),
    ),
    CrousSpec(
        "montpellier",
        "Crous de Montpellier-Occitanie",
        "CROUS MPL",
        9.0,
        (
            ("Montpellier", "34090"),
            ("Nîmes", "30000"),
            ("Perpignan", "66000"),
            ("Béziers", "34500"),
            ("Mende", "48000"),
        ),
    ),
    CrousSpec(
        "nantes",
        "Crous de Nantes Pays de la Loire",
        "CROUS NTS",
        6.0,
        (
            ("Nantes", "44300"),
            ("Angers", "49000"),
            ("Le Mans", "72000"),
            ("Saint-Nazaire", "44600"),
            ("Laval", "53000"),
        ),
    ),
    CrousSpec(
        "nice-toulon",
        "Crous de Nice-Toulon",
        "CROUS NICE",
        5.0,
        (
            ("Nice", "06200"),
            ("Nice", "06000"),
            ("Toulon", "83000"),
            ("La Garde", "83130"),
            ("Valbonne", "06560"),
        ),
    ),
    CrousSpec(
        "normandie",
        "Crous de Normandie",
        "CROUS NORM",
        8.0,
        (
            ("Caen", "14000"),
            ("Mont-Saint-Aignan", "76130"),
            ("Rouen", "76000"),
            ("Le Havre", "76600"),
            ("Cherbourg-en-Cotentin", "50100"),
            ("Évreux", "27000"),
        ),
    ),
    CrousSpec(
        "orleans-tours",
        "Crous d'Orléans-Tours",
        "CROUS OT",
        5.0,
        (
            ("Orléans", "45100"),
            ("Tours", "37200"),
            ("Blois", "41000"),
            ("Bourges", "18000"),
            ("Chartres", "28000"),
        ),
    ),
    CrousSpec(
        "paris",
        "Crous de Paris",
        "CROUS PARIS",
        7.0,
        (
            ("Paris", "75005"),
            ("Paris", "75013"),
            ("Paris", "75014"),
            ("Paris", "75019"),
            ("Paris", "75020"),
        ),
    ),
    CrousSpec(
        "poitiers",
        "Crous de Poitiers",
        "CROUS POIT",
        5.0,
        (
            ("Poitiers", "86000"),
            ("La Rochelle", "17000"),
            ("Angoulême", "16000"),
            ("Niort", "79000"),
        ),
    ),
    CrousSpec(
        "reims",
        "Crous de Reims",
        "CROUS REIMS",
        4.0,
        (
            ("Reims", "51100"),
            ("Troyes", "10000"),
            ("Charleville-Mézières", "08000"),
            ("Châlons-en-Champagne", "51000"),
        ),
    ),
    CrousSpec(
        "rennes",
        "Crous de Rennes-Bretagne",
        "CROUS RNS",
        9.0,
        (
            ("Rennes", "35000"),
            ("Brest", "29200"),
            ("Vannes", "56000"),
            ("Lorient", "56100"),
            ("Saint-Brieuc", "22000"),
            ("Quimper", "29000"),
        ),
    ),
    CrousSpec(
        "strasbourg",
        "Crous de Strasbourg",
        "CROUS STRAS",
        6.0,
        (
            ("Strasbourg", "67000"),
            ("Illkirch-Graffenstaden", "67400"),
            ("Mulhouse", "68100"),
            ("Colmar", "68000"),
        ),
        holiday_subdivision=HolidaySubdivision.ALSACE,
    ),
    CrousSpec(
        "toulouse",
        "Crous de Toulouse-Occitanie",
        "CROUS TLSE",
        11.0,
        (
            ("Toulouse", "31400"),
            ("Toulouse", "31000"),
            ("Albi", "81000"),
            ("Tarbes", "65000"),
            ("Rodez", "12000"),
            ("Montauban", "82000"),
        ),
    ),
    CrousSpec(
        "versailles",
        "Crous de Versailles",
        "CROUS VERS",
        9.0,
        (
            ("Versailles", "78000"),
            ("Nanterre", "92000"),
            ("Cergy", "95000"),
            ("Orsay", "91400"),
            ("Évry-Courcouronnes", "91000"),
            ("Guyancourt", "78280"),
        ),
    ),
    CrousSpec(
        "reunion",
        "Crous de La Réunion",
        "CROUS RUN",
        2.0,
        (("Saint-Denis", "97400"), ("Saint-Pierre", "97410"), ("Le Tampon", "97430")),
        time_zone="Indian/Reunion",
        holiday_subdivision=HolidaySubdivision.REUNION,
        mobiles=REUNION_MOBILES,
    ),
    CrousSpec(
        "martinique",
        "Crous de Martinique",
        "CROUS MQ",
        1.0,
        (("Schœlcher", "97233"), ("Fort-de-France", "97200")),
        time_zone="America/Martinique",
        holiday_subdivision=HolidaySubdivision.MARTINIQUE,
        mobiles=MARTINIQUE_MOBILES,
    ),
    CrousSpec(
        "guadeloupe",
        "Crous de Guadeloupe",
        "CROUS GP",
        1.0,
        (("Pointe-à-Pitre", "97110"), ("Les Abymes", "97139"), ("Saint-Claude", "97120")),
        time_zone="America/Guadeloupe",
        holiday_subdivision=HolidaySubdivision.GUADELOUPE,
        mobiles=GUADELOUPE_MOBILES,
    ),
    CrousSpec(
        "guyane",
        "Crous de Guyane",
        "CROUS GUY",
        0.5,
        (("Cayenne", "97300"), ("Kourou", "97310")),
        time_zone="America/Cayenne",
        holiday_subdivision=HolidaySubdivision.GUYANE,
        mobiles=GUYANE_MOBILES,
    ),
)

# Names given in each Crous; "{city}" is filled with the residence's city. A Crous with more
# residences than names numbers the repeats ("Résidence Jean Zay II").
RESIDENCE_NAMES: tuple[str, ...] = (
    "Résidence Le Village",
    "Cité U {city}",
    "Résidence Jean Zay",
    "Résidence Simone Veil",
    "Résidence Marie Curie",
    "Résidence Les Tilleuls",
    "Résidence Olympe de Gouges",
    "Résidence Louise Michel",
    "Résidence Camille Claudel",
    "Résidence Condorcet",
    "Résidence Pasteur",
    "Résidence Victor Hugo",
    "Résidence Jules Verne",
    "Résidence Albert Camus",
    "Résidence George Sand",
    "Résidence Boris Vian",
    "Résidence Les Érables",
    "Résidence Les Platanes",
    "Résidence Le Campus",
    "Résidence Les Jardins de l'Université",
    "Résidence Gaston Berger",
    "Résidence Alan Turing",
    "Résidence Émilie du Châtelet",
    "Résidence Joséphine Baker",
    "Résidence Aimé Césaire",
    "Résidence Frantz Fanon",
    "Résidence Les Lauriers",
    "Résidence La Garenne",
    "Résidence Bois-Joli",
    "Résidence Le Parc",
    "Résidence Montesquieu",
    "Résidence Germaine Tillion",
    "Résidence Paul Éluard",
    "Résidence Les Hespérides",
    "Résidence Sophie Germain",
    "Résidence Lucie Aubrac",
    "Résidence Rosalind Franklin",
    "Résidence Marcel Pagnol",
    "Résidence Le Moulin",
    "Résidence Les Cèdres",
)

STREETS: tuple[str, ...] = (
    "avenue de l'Université",
    "rue Pasteur",
    "allée des Sciences",
    "cours de la Libération",
    "boulevard Victor Hugo",
    "rue des Étudiants",
    "avenue du Campus",
    "rue Jean Jaurès",
    "chemin des Lauriers",
    "rue de la Faculté",
    "avenue Gaston Berger",
    "rue du Docteur Roux",
)

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

# Unit profiles: (surface m² min, max, monthly rent € min, max).
UNIT_PROFILES: dict[str, tuple[float, float, int, int]] = {
    "room": (9.0, 14.0, 200, 350),
    "t1": (15.0, 20.0, 350, 500),
    "t1bis": (20.0, 26.0, 420, 560),
    "t2": (32.0, 45.0, 520, 700),
    "t2_shared": (11.0, 14.0, 300, 400),
}
# Unit mix by kind of residence: a traditional one is mostly 9–14 m² rooms, a recent one
# mostly studios.
UNIT_MIX: dict[str, dict[str, float]] = {
    "traditional": {"room": 0.85, "t1": 0.10, "t2_shared": 0.05},
    "studios": {"t1": 0.65, "t1bis": 0.20, "t2": 0.08, "t2_shared": 0.07},
}

"""Static facts the demo and benchmark data are built from: the academic Crous and their
cities (residence names, streets and units: ``demo_catalogue.py``; students' names and
mobile numbers: ``tenants/demo_data.py``).

Everything here is plausible, not official: contact addresses are on ``.example`` domains,
bed counts are rounded orders of magnitude (they only weigh how the data is spread).
"""

from __future__ import annotations

from dataclasses import dataclass

from residences.models import HolidaySubdivision


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
    ),
    CrousSpec(
        "martinique",
        "Crous de Martinique",
        "CROUS MQ",
        1.0,
        (("Schœlcher", "97233"), ("Fort-de-France", "97200")),
        time_zone="America/Martinique",
        holiday_subdivision=HolidaySubdivision.MARTINIQUE,
    ),
    CrousSpec(
        "guadeloupe",
        "Crous de Guadeloupe",
        "CROUS GP",
        1.0,
        (("Pointe-à-Pitre", "97110"), ("Les Abymes", "97139"), ("Saint-Claude", "97120")),
        time_zone="America/Guadeloupe",
        holiday_subdivision=HolidaySubdivision.GUADELOUPE,
    ),
    CrousSpec(
        "guyane",
        "Crous de Guyane",
        "CROUS GUY",
        0.5,
        (("Cayenne", "97300"), ("Kourou", "97310")),
        time_zone="America/Cayenne",
        holiday_subdivision=HolidaySubdivision.GUYANE,
    ),
)

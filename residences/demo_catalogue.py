"""What the demo's residences are made of: their names, streets and the mix of units.

Plausible, not official (see ``demo_data.py``).
"""

from __future__ import annotations

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

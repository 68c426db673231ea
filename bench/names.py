"""Nordic names, schools and subjects to draw from, most common first.

Names are drawn with Zipf-like weights, so the common ones repeat a lot: many
people share a given and family name (which makes the engine generate MaSc2,
MaSc3…) and many more share the four letters a username is made of.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections.abc import Sequence


def _words(text: str) -> tuple[str, ...]:
    """Space-separated words as a tuple: the pools below stay readable."""
    return tuple(text.split())


GIVEN = _words(
    "Emma Nora Olivia Ella Sofie Leah Frida Ingrid Sara Maja Åse Sigrid Märta Astrid Selma "
    "Ada Tiril Hedda Thea Vilde Linnéa Ebba Saga Alma Solveig Kaja Ragnhild Maria Signe "
    "Jakob Emil Noah Oliver Filip William Lucas Henrik Liam Aksel Isak Magnus Tobias "
    "Bjørn Søren Måns Jørgen Björn Øystein Håkon Sondre Mathias Elias Sverre Kåre Ola "
    "Per Jens Eirik Ståle Gøran Ørjan Dag Knut Lars Mohammed Ali Nguyen Ahmed Aleksander "
    "Oskar Axel Hugo Ebbe Frej Liv Ylva Ida Julie Mille Freja Aurora Jonas Sander Adrian "
    "Theodor Johannes Benjamin Kristian Hanna Marte Silje Ingvild Torunn Gunnhild Synnøve "
    "Bjørg Dagny Åsmund Tor Eskil"
)
FAMILY = _words(
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen "
    "Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl "
    "Jørgensen Halvorsen Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand "
    "Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken Lie Amundsen Rasmussen "
    "Sæther Ødegård Håkansson Lindström Bråten Jönsson Østergaard Nygård Løvås Ærø "
    "Aas Myhre Holm Lien Hauge Nielsen Johansson Andersson Karlsson Nilsson Eriksson "
    "Virtanen Korhonen Nieminen Mäkinen Hämäläinen Kowalski Nowak Hussain Khan Ahmadi "
    "Mohamed Berntsen Danielsen Thorsen Antonsen Mikkelsen Madsen Poulsen Thomsen "
    "Christiansen Lindqvist Bergström Sjöberg Åberg Öberg Lindgren Axelsson Magnusson "
    "Sandvik Fjeld"
)
SCHOOL_PLACES = _words(
    "Nordby Åsen Sørbyen Lindås Bjørkelangen Fjellheim Øvre Sand Haugtun Strømmen Bakkely "
    "Granli Solbakken Kjelsås Tåsen Vestli Ekeberg Furuset Løren Ila Måløy Skjønhaug Ås "
    "Hølen Voll Frøya"
)
# Kinds of school: the first two name S, M and L's schools; XL's 200 need the rest.
SCHOOL_KINDS = (
    "skole",
    "ungdomsskole",
    "barneskole",
    "oppvekstsenter",
    "skolesenter",
    "friskole",
    "montessoriskole",
    "kristne skole",
)
# (code, name): the subjects teaching groups are in.
SUBJECTS = (
    ("MAT", "Matematikk"),
    ("NOR", "Norsk"),
    ("ENG", "Engelsk"),
    ("NAT", "Naturfag"),
    ("SAF", "Samfunnsfag"),
    ("KRL", "KRLE"),
    ("KHV", "Kunst og håndverk"),
    ("MUS", "Musikk"),
    ("MHE", "Mat og helse"),
    ("KRO", "Kroppsøving"),
)
# Flatter than Zipf's 1.0: the most common given name is about 7 % of people, not 20 %,
# so username clashes stay heavy but not absurd (at L up to ~1,700 people share a stem
# such as "EmHa", where the engine tries MaSc, MarSch, MaSc2… in turn).
ZIPF_EXPONENT = 0.6
_SPECIAL = str.maketrans({"æ": "ae", "ø": "o", "Æ": "Ae", "Ø": "O"})


def zipf(count: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    """Cumulative Zipf weights for ``count`` items, most common first."""
    return list(itertools.accumulate(1 / (rank + 1) ** exponent for rank in range(count)))


class Names:
    """Draws given and family names with Zipf weights from one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._given = zipf(len(GIVEN))
        self._family = zipf(len(FAMILY))

    def given(self, other_than: str = "") -> str:
        """A given name (different from ``other_than`` when one is given)."""
        return self._draw(GIVEN, self._given, other_than)

    def family(self, other_than: str = "") -> str:
        """A family name (different from ``other_than`` when one is given)."""
        return self._draw(FAMILY, self._family, other_than)

    def _draw(self, pool: Sequence[str], weights: list[float], other_than: str) -> str:
        """A weighted draw from ``pool``, other than ``other_than``."""
        while True:
            name = self.rng.choices(pool, cum_weights=weights)[0]
            if name != other_than:
                return name


def school_names(count: int) -> list[str]:
    """``count`` distinct school names: "Nordby skole", "Åsen skole", …"""
    places = [f"{p} {kind}" for kind in SCHOOL_KINDS for p in SCHOOL_PLACES]
    if count > len(places):
        raise ValueError(f"at most {len(places)} schools can be named")
    return places[:count]


def ascii_part(name: str) -> str:
    """A name as the ASCII letters of an e-mail address: "Ødegård" → "odegard"."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_SPECIAL))
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()

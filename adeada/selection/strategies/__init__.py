"""Selection strategies and their registry.

``STRATEGIES`` is a plain dict, name -> strategy class: importing this package registers
nothing by side effect, and a new strategy is one module plus one line below (its settings, if
any, are a section of ``SelectionConfig``: see docs/architecture.md).
"""

from __future__ import annotations

from ..config import SelectionConfig
from .aada import AADA
from .badge import BADGE
from .base import RankedStrategy, Strategy
from .adeada_plus import (
    ADeADAPlus, ADeADAPlusConf, ADeADAPlusDiag, ADeADAPlusDyn, ADeADAPlusEnt, ADeADAPlusEntDyn, ADeADAPlusEntFlat, ADeADAPlusEntGain, ADeADAPlusFast, ADeADAPlusFlat, ADeADAPlusMargin,
    ADeADAPlusRecipe, ADeADAPlusRelMass, ADeADAPlusGain, ADeADAPlusRIPU,
)
from .clue import CLUE
from .density_aware import ADeADA, AblationA, AblationB, AblationC, AblationD, AblationE, DensityOnly
from .redal import ReDAL
from .ripu import RIPU
from .uncertainty import Confidence, Entropy, Margin, Random

STRATEGIES: dict[str, type[Strategy]] = {
    "rand": Random,
    "ent": Entropy,
    "conf": Confidence,
    "mar": Margin,
    "badge": BADGE,
    "redal": ReDAL,
    "aada": AADA,
    "clue": CLUE,
    "ripu": RIPU,
    "density": DensityOnly,
    "adeada": ADeADA,
    "adeada_a": AblationA,
    "adeada_b": AblationB,
    "adeada_c": AblationC,
    "adeada_d": AblationD,
    "adeada_e": AblationE,
    "adeada_plus": ADeADAPlus,
    "adeada_plus_dyn": ADeADAPlusDyn,
    "adeada_plus_flat": ADeADAPlusFlat,
    "adeada_plus_ent": ADeADAPlusEnt,
    "adeada_plus_ent_dyn": ADeADAPlusEntDyn,
    "adeada_plus_ent_flat": ADeADAPlusEntFlat,
    "adeada_plus_margin": ADeADAPlusMargin,
    "adeada_plus_conf": ADeADAPlusConf,
    "adeada_plus_ripu": ADeADAPlusRIPU,
    "adeada_plus_gain": ADeADAPlusGain,
    "adeada_plus_ent_gain": ADeADAPlusEntGain,
    "adeada_plus_relmass": ADeADAPlusRelMass,
    "adeada_plus_diag": ADeADAPlusDiag,
    "adeada_plus_fast": ADeADAPlusFast,
    "adeada_plus_recipe": ADeADAPlusRecipe,
}


def strategy_class(name: str) -> type[Strategy]:
    """The class registered as ``name`` (case-insensitive), without building it.

    Raises:
        KeyError: unknown name (the message lists the known ones).
    """
    key = name.lower()
    if key not in STRATEGIES:
        raise KeyError(f"unknown selection strategy {name!r}; expected one of {', '.join(STRATEGIES)}")
    return STRATEGIES[key]


def get_strategy(name: str, cfg: SelectionConfig | None = None) -> Strategy:
    """Build the strategy registered as ``name`` with ``cfg`` (default settings when None).

    Raises:
        KeyError: unknown name (the message lists the known ones).
    """
    return strategy_class(name)(cfg or SelectionConfig())


__all__ = ["STRATEGIES", "Strategy", "RankedStrategy", "get_strategy", "strategy_class"]

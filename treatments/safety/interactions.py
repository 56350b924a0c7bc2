"""Drug interactions: the interface, and the implementation reading a curated table of the ANSM thesaurus.

`settings.SAFETY_INTERACTION_CHECKER` names the class that answers (import path); a licensed source (Vidal, Posos)
replaces the table by implementing `InteractionChecker` in a module of its own and naming it there.

The table (interactions.tsv, next to this file) holds the contre-indications and associations déconseillées of
the ANSM "Thésaurus des interactions médicamenteuses" for common drugs, one pair a line, each with its entry in
the thesaurus. Precautions for use ("précaution d'emploi") and "à prendre en compte" are not in it: they are
advice for the prescriber, not warnings for a patient's list.
"""

import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .classes import DEFINITIONS, belongs
from .substances import substance_key

TABLE_PATH = Path(__file__).resolve().parent / "interactions.tsv"
TABLE_COLUMNS = ("first", "second", "level", "reason", "source")
CONTRAINDICATED = "CI"
INADVISABLE = "AD"
LEVELS = (CONTRAINDICATED, INADVISABLE)


@dataclass(frozen=True)
class Ingredient:
    key: str  # the substance's key (substances.substance_key): "ZOLPIDEM"
    name: str  # its name for a sentence: "Zolpidem"
    milligrams_per_intake: Decimal | None = None  # when the medication's unit and strength tell


@dataclass(frozen=True)
class Product:
    """One medication as an interaction checker sees it."""

    cis: str
    name: str
    ingredients: tuple[Ingredient, ...]


@dataclass(frozen=True)
class Interaction:
    level: str  # CONTRAINDICATED or INADVISABLE
    first: Ingredient  # of the first product
    second: Ingredient  # of the second product
    reason: str  # short, in French (the thesaurus' words)
    source: str  # the entry of the source


class InteractionChecker(Protocol):
    def between(self, first: Product, second: Product) -> list[Interaction]:
        """The interactions between two medications taken together (not within one medication)."""
        ...


@dataclass(frozen=True)
class _Side:
    """One side of a table line: a substance ("méthotrexate") or a group ("@ains"), with an optional minimum
    amount per intake ("acide acétylsalicylique>=500": antalgic doses, not the 75 mg of an antiplatelet dose)."""

    key: str
    group: str
    minimum_milligrams: Decimal | None

    @classmethod
    def parse(cls, text: str) -> "_Side":
        name, _, minimum = text.partition(">=")
        name = name.strip()
        group = name[1:] if name.startswith("@") else ""
        if group and group not in DEFINITIONS:
            raise ValueError(f"{TABLE_PATH}: unknown group {name!r}.")
        return cls(
            key="" if group else substance_key(name),
            group=group,
            minimum_milligrams=Decimal(minimum) if minimum else None,
        )

    def matches(self, ingredient: Ingredient) -> bool:
        if self.group:
            if not belongs(ingredient.key, self.group):
                return False
        elif ingredient.key != self.key:
            return False
        amount = ingredient.milligrams_per_intake
        # An unknown amount counts as enough: the checks would rather warn than miss a high dose.
        return self.minimum_milligrams is None or amount is None or amount >= self.minimum_milligrams


@dataclass(frozen=True)
class _Rule:
    first: _Side
    second: _Side
    level: str
    reason: str
    source: str


@functools.cache
def _rules() -> tuple[_Rule, ...]:
    lines = [line for line in TABLE_PATH.read_text(encoding="utf-8").splitlines() if line.strip() and line[0] != "#"]
    header, *rows = lines
    if tuple(header.split("\t")) != TABLE_COLUMNS:
        raise ValueError(f"{TABLE_PATH} has columns {header!r}, not {TABLE_COLUMNS}.")
    rules = []
    for row in rows:
        first, second, level, reason, source = row.split("\t")
        if level not in LEVELS:
            raise ValueError(f"{TABLE_PATH}: level {level!r} is neither {CONTRAINDICATED} nor {INADVISABLE}.")
        rules.append(_Rule(_Side.parse(first), _Side.parse(second), level, reason, source))
    return tuple(rules)


class ThesaurusTableChecker:
    """Interactions from the curated table of the ANSM thesaurus (interactions.tsv)."""

    def between(self, first: Product, second: Product) -> list[Interaction]:
        found: dict[tuple[str, str], Interaction] = {}
        for rule in _rules():
            for one in first.ingredients:
                for other in second.ingredients:
                    if one.key == other.key:
                        continue
                    if (rule.first.matches(one) and rule.second.matches(other)) or (
                        rule.first.matches(other) and rule.second.matches(one)
                    ):
                        pair = (one.key, other.key)
                        # The strongest line wins: a contre-indication over an association déconseillée.
                        if pair not in found or rule.level == CONTRAINDICATED:
                            found[pair] = Interaction(rule.level, one, other, rule.reason, rule.source)
        return list(found.values())


@functools.cache
def _checker(path: str) -> InteractionChecker:
    return import_string(path)()


def interaction_checker() -> InteractionChecker:
    """The checker `settings.SAFETY_INTERACTION_CHECKER` names, made once per setting value."""
    return _checker(settings.SAFETY_INTERACTION_CHECKER)

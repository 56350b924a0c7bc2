from decimal import Decimal

# The units a prescription counts in, written in French whatever the reader's language (they are the
# prescription's words). Only these take a plural: "mg", "ml" or "UI" never do.
COUNTED_UNITS = {
    "ampoule",
    "application",
    "bouffée",
    "capsule",
    "comprimé",
    "cuillère",
    "dose",
    "flacon",
    "gélule",
    "goutte",
    "injection",
    "ovule",
    "pastille",
    "patch",
    "pipette",
    "pulvérisation",
    "sachet",
    "seringue",
    "suppositoire",
    "unité",
}


def unit_for_dose(unit: str, dose: Decimal | float) -> str:
    """ "comprimé" for 1 or 1.5, "comprimés" for 2: French puts the plural from two on. The first word
    carries it ("cuillères à café")."""
    first, _, rest = unit.partition(" ")
    if dose < 2 or first.lower() not in COUNTED_UNITS:
        return unit
    return f"{first}s {rest}".rstrip()

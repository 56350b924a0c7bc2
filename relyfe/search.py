"""Search that ignores accents and case on every database: "penicilline" finds "Pénicilline".

`field__folded=words` is true when the field, folded, contains the words, folded. Folding maps each accented
Latin letter to its plain letter, writes ligatures out ("œ" → "oe") and lowers the case. Python, SQLite (a
function registered on each connection) and PostgreSQL (`translate`, built in: no extension to install) fold
with the same table, so a search finds the same rows everywhere."""

import unicodedata

from django.db import models
from django.db.backends.signals import connection_created

LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"}
# The Latin letters from U+00C0 to U+024F: those of French and of the names patients and professionals carry.
ACCENTED = {
    letter: unicodedata.normalize("NFKD", letter)[0]
    for letter in map(chr, range(0xC0, 0x250))
    if unicodedata.normalize("NFKD", letter)[0].isascii() and unicodedata.normalize("NFKD", letter) != letter
} | {"ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L"}  # letters Unicode does not decompose
TABLE = str.maketrans({**ACCENTED, **LIGATURES})
SQL_FUNCTION = "relyfe_fold"


def fold(text: str) -> str:
    return text.translate(TABLE).lower()


def _fold_or_null(text):
    return None if text is None else fold(str(text))


class Folded(models.Lookup):
    """Contains, ignoring accents and case. The words are folded here, the column in SQL."""

    lookup_name = "folded"
    prepare_rhs = False

    def process_rhs(self, compiler, connection):
        return "%s", [f"%{connection.ops.prep_for_like_query(fold(str(self.rhs)))}%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{SQL_FUNCTION}({lhs}) LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        folded, fold_params = f"translate({lhs}, %s, %s)", [*lhs_params, "".join(ACCENTED), "".join(ACCENTED.values())]
        for ligature, letters in LIGATURES.items():
            folded, fold_params = f"replace({folded}, %s, %s)", [*fold_params, ligature, letters]
        return f"lower({folded}) LIKE {rhs}", [*fold_params, *rhs_params]


def _register_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQL_FUNCTION, 1, _fold_or_null, deterministic=True)


def install() -> None:
    models.CharField.register_lookup(Folded)
    models.TextField.register_lookup(Folded)
    connection_created.connect(_register_function, dispatch_uid="relyfe.search")

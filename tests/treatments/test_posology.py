import pytest

from treatments.extraction.posology import normalize, parse

M, N, E, B = "morning", "noon", "evening", "bedtime"


@pytest.mark.parametrize(
    ("text", "dose", "unit"),
    [
        ("1 comprimé le matin", 1, "comprimé"),
        ("2 gélules le soir", 2, "gélule"),
        ("1/2 cp le soir", 0.5, "comprimé"),
        ("½ comprimé au coucher", 0.5, "comprimé"),
        ("un demi comprimé le matin", 0.5, "comprimé"),
        ("1 sachet matin et soir", 1, "sachet"),
        ("1 application le soir", 1, "application"),
        ("10 gouttes 3 fois par jour", 10, "goutte"),
        ("2 bouffées si besoin", 2, "bouffée"),
        ("1 cp x3/j", 1, "comprimé"),
        ("1 cpr le midi", 1, "comprimé"),
        ("2 gél matin et soir", 2, "gélule"),
        ("une gélule le soir", 1, "gélule"),
        ("1 dose en cas de douleur", 1, "dose"),
        ("1,5 comprime le soir", 1.5, "comprimé"),
        ("2 gelules matin", 2, "gélule"),
    ],
)
def test_it_reads_the_dose_and_its_unit(text, dose, unit):
    posology = parse(text)
    assert (posology.dose, posology.unit) == (dose, unit)


@pytest.mark.parametrize(
    ("text", "periods"),
    [
        ("1 comprimé matin, midi et soir", [M, N, E]),
        ("1 comprimé le matin", [M]),
        ("1 comprimé le soir", [E]),
        ("1 comprimé au coucher", [B]),
        ("1 comprimé le soir au coucher", [B]),
        ("1 comprimé matin et soir", [M, E]),
        ("1 comprimé le midi", [N]),
        ("1 comprimé matin, midi, soir et au coucher", [M, N, E, B]),
        ("1 comprimé au petit-déjeuner", [M]),
        ("1 comprimé au petit déjeuner et au dîner", [M, E]),
        ("1 comprimé au déjeuner", [N]),
        ("1 comprimé au dîner", [E]),
        ("1 comprimé 1 fois par jour", [M]),
        ("1 comprimé 1 fois par jour le soir", [E]),
        ("1 comprimé par jour", [M]),
        ("1 comprimé 2 fois par jour", [M, E]),
        ("1 comprimé 3 fois par jour", [M, N, E]),
        ("1 comprimé 4 fois par jour", [M, N, E, B]),
        ("1 cp x2/j", [M, E]),
        ("1 cp 2x/jour", [M, E]),
        ("1 cp 3/j", [M, N, E]),
        ("1 cp 3 x par jour", [M, N, E]),
        ("1 cp deux fois par jour", [M, E]),
        ("1-0-1", [M, E]),
        ("1-1-1", [M, N, E]),
        ("0-0-1", [E]),
        ("1-1-1-1", [M, N, E, B]),
        ("0-0-0-1", [B]),
        ("1/2-0-1/2", [M, E]),
    ],
)
def test_it_reads_when_it_is_taken(text, periods):
    assert parse(text).periods == periods


@pytest.mark.parametrize(
    ("text", "dose", "periods"),
    [
        ("1-0-1", 1, [M, E]),
        ("2-0-2", 2, [M, E]),
        ("1/2-0-1/2", 0.5, [M, E]),
        ("½-½-½", 0.5, [M, N, E]),
        ("1 - 1 - 1 - 1", 1, [M, N, E, B]),
    ],
)
def test_in_a_schedule_the_number_is_the_dose(text, dose, periods):
    posology = parse(text)
    assert (posology.dose, posology.periods) == (dose, periods)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("pendant 7 jours", 7),
        ("pendant 5 j", 5),
        ("pendant 1 mois", 30),
        ("pendant 2 semaines", 14),
        ("pendant 3 mois", 90),
        ("QSP 3 mois", 90),
        ("qsp 1 mois", 30),
        ("q.s.p. 1 mois", 30),
        ("durant 10 jours", 10),
        ("pour 6 jours", 6),
        ("pendant une semaine", 7),
        ("1 cp le matin, 1 mois", 30),
        ("Prendre 1 comprimé le matin pendant 1\n semaine.", 7),
    ],
)
def test_it_reads_the_duration_in_days(text, days):
    assert parse(text).duration_days == days


def test_a_duration_longer_than_a_prescription_holds_is_a_misreading():
    # A prescription holds for a year at most: "QSP 2 mois" read "QSP 2 ans" is no duration, for the reviewer to give.
    assert parse("1-1-1 QSP 1 an").duration_days == 365
    assert parse("1-1-1 pendant 12 mois").duration_days == 360
    assert parse("1-1-1 QSP 2 ans").duration_days is None
    assert parse("1 cp pendant 18 mois").duration_days is None
    # A later duration that is one is read.
    assert parse("1 cp pendant 20 ans 10 jours").duration_days == 10


@pytest.mark.parametrize(
    "text",
    [
        "1 cp 3 fois par jour",
        "1 cp x2/j",
        "1 cp 3/j",
        "1 comprimé par jour",
        "2 comprimés matin et soir",
    ],
)
def test_a_count_of_times_a_day_is_not_a_duration(text):
    assert parse(text).duration_days is None


@pytest.mark.parametrize(
    ("text", "periods"),
    [
        ("1 sachet si besoin", []),
        ("1 comprimé en cas de douleur", []),
        ("1 comprimé en cas de fièvre", []),
        ("1 comprimé si douleurs", []),
        ("2 bouffées à la demande", []),
        ("1 dose en cas de douleur, maximum 3 par jour", []),
        ("1 comprimé jusqu'à 3 fois par jour si besoin", []),
        ("1 comprimé le soir si besoin", [E]),
    ],
)
def test_as_needed_has_no_periods_unless_moments_are_named(text, periods):
    posology = parse(text)
    assert posology.as_needed
    assert posology.periods == periods


def test_a_dose_for_a_symptom_whose_si_was_lost_is_as_needed_less_surely():
    # "1 cp si douleur, 3 jours", its "si" cut off at the end of the line above.
    posology = parse("1 cp douleur, 3 jours")
    assert posology.as_needed
    assert posology.periods == []
    assert posology.duration_days == 3
    assert posology.confidence["as_needed"] < 1.0
    # What a medication taken on a schedule is for is not a need.
    assert not parse("1 comprimé le matin contre la douleur").as_needed
    # Its unit misread past knowing too ("2 bouffées si gêne respiratoire"); not a number of days or of times.
    posology = parse("2 houllées géne respiratoire pendant 2 mois")
    assert (posology.as_needed, posology.duration_days) == (True, 60)
    assert posology.confidence["as_needed"] < 1.0
    assert not parse("pendant 3 jours douleur").as_needed
    assert not parse("2 fois douleur").as_needed


def test_a_forgotten_dose_is_not_as_needed():
    assert not parse("1 comprimé le matin ; en cas d'oubli, ne pas doubler").as_needed


@pytest.mark.parametrize(
    ("text", "renewals"),
    [
        ("À renouveler 2 fois", 2),
        ("à renouveler une fois", 1),
        ("renouvelable 3 fois", 3),
        ("AR 2 fois", 2),
        ("AR x2", 2),
        ("1 cp le matin", 0),
    ],
)
def test_it_reads_renewals(text, renewals):
    assert parse(text).renewals == renewals


@pytest.mark.parametrize(
    ("text", "instructions"),
    [
        ("1 comprimé le matin à jeun", "à jeun"),
        ("1 comprimé pendant le repas", "pendant le repas"),
        ("1 comprimé au cours du repas", "au cours du repas"),
        ("1 gélule matin et soir au cours des repas", "au cours des repas"),
        ("1 comprimé avant le repas", "avant le repas"),
        ("1 sachet à distance des repas", "à distance des repas"),
        ("1 comprimé le matin", ""),
    ],
)
def test_it_reads_instructions(text, instructions):
    assert parse(text).instructions == instructions


@pytest.mark.parametrize(
    ("text", "dose", "unit", "periods", "days"),
    [
        ("l comprimé le matin pendant l0 jours", 1, "comprimé", [M], 10),
        ("1 cornprime le rnatin pendant 1O jours", 1, "comprimé", [M], 10),
        ("2 gelu1es matin et soir pendant 5 jours", 2, "gélule", [M, E], 5),
        ("1 comprime matln, midl et solr pendant 7 jours", 1, "comprimé", [M, N, E], 7),
        ("1 comprimé 3 fois par jour pendant 8 jonrs", 1, "comprimé", [M, N, E], 8),
        # A schedule's lost dash, "QSP" read "OSP", the slash of "x2/j" read as a letter.
        ("Posologie : 1 0-1 OSP 1 mois", 1, "", [M, E], 30),
        ("1 gélule x2ij. GSP 3 mois", 1, "gélule", [M, E], 90),
        # The j of "x3/j" read as a bracket; words glued together.
        ("1 comprimé 3x/) Q5P 1 mois", 1, "comprimé", [M, N, E], 30),
        ("2 comprimés 3 fois par jourpendant 4 semaines", 2, "comprimé", [M, N, E], 28),
        ("1 compriméle soir pendant 5 jours", 1, "comprimé", [E], 5),
        ("1 comprimé 3 foisijour QSP 1 mos", 1, "comprimé", [M, N, E], 30),
        ("1 cp 2 foisfjour, 10 jours", 1, "comprimé", [M, E], 10),
        # "x3/j" with its slash lost and its j read as a bracket; "mois" read "mais", likelier "matins" elsewhere.
        ("1 gélule 3x). pendant 1 semaine", 1, "gélule", [M, N, E], 7),
        ("1 comprimé le soir. Pendant 2 mais", 1, "comprimé", [E], 60),
        ("1 cp le matin QSP 1 mols", 1, "comprimé", [M], 30),
        # "soir" misread closer to "soit", which never follows an article.
        ("1 cp le solt pendant 5 jours", 1, "comprimé", [E], 5),
        ("1 gélule chaque sott", 1, "gélule", [E], None),
        # After "matin et", a word misread is the evening still; "x2/j" without its slash.
        ("1 comprimé matin et soic", 1, "comprimé", [M, E], None),
        ("1 application matin et sod sur les lésions QSP 1 mols", 1, "application", [M, E], 30),
        ("1 goutte dans chaque œil matin et sotr", 1, "goutte", [M, E], None),
        ("1 cpr 2xj pendant 1 mois", 1, "comprimé", [M, E], 30),
        ("2 bouftées mn et soir", 2, "bouffée", [M, E], None),
        # A word glued to the number after it; "fois/jour" and "x2/j" glued to the words around them.
        ("1 gélule3xj.pendant1 semaine", 1, "gélule", [M, N, E], 7),
        ("1 comprimé 3 foisjour", 1, "comprimé", [M, N, E], None),
        ("1 compriméx21j", 1, "comprimé", [M, E], None),
        # "x3/j" and "x2/j" with their slash read as a letter and their j as a bracket; "fois" read "fos", and
        # "foasjour" both misread and glued; "0-1-0" with its first dash lost against the word before.
        ("1 gélule 3xij. pendant 1 semaine", 1, "gélule", [M, N, E], 7),
        ("1 comprimé x2t) pendant 3 mois", 1, "comprimé", [M, E], 90),
        ("1 comprimé 2x)14 jours", 1, "comprimé", [M, E], 14),
        ("I cp 2 fos par jour", 1, "comprimé", [M, E], None),
        ("2 cps3 foasjour pendant 1mois", 2, "comprimé", [M, N, E], 30),
        ("1 cp Prendre01-0", 1, "comprimé", [N], None),
        # "cp" read "ep"; "par" read "pat"; a moment misread after an article ("le salr", "te sotr" for "le soir"); the
        # j of "14 j" read as a bracket or an arrow; the slash of "x2/j" read as an f.
        ("1 epr 2 fotis pat jour", 1, "comprimé", [M, E], None),
        ("2 cpr le salr, pendant 1 mois", 2, "comprimé", [E], 30),
        ("1 goutte dans chaque wil te sotr, pendant 14)", 1, "goutte", [E], 14),
        ("1 cp tmatin, midi et sott. pendant 8↓", 1, "comprimé", [M, N, E], 8),
        ("1 ep 2xfj", 1, "comprimé", [M, E], None),
        # "fois" read as another short word between a number and "par jour"; "par" read "per"; the j of "21 j" read
        # as a 1 at the end, after a misread "pendant".
        ("1 comprime 3 tots par jour pendant 1 semaine", 1, "comprimé", [M, N, E], 7),
        ("2 comprimés 3 fors Dar jour 1 mois", 2, "comprimé", [M, N, E], 30),
        ("1 cp 2 fois bar jour pendant 10 jours", 1, "comprimé", [M, E], 10),
        ("1 comprimé 2 tons per jour", 1, "comprimé", [M, E], None),
        ("2 cp 2xj pandant 21 1", 2, "comprimé", [M, E], 21),
        # "au" misread in "le soir au coucher"; a day's moments listed, each misread; "1 semaine" with its 1 read "I";
        # the j of "x2/j" read as a bracket glued to the next word.
        ("1 ep le son ag coucher", 1, "comprimé", [B], None),
        ("L ep mstin mid sar. Pendant I semaine", 1, "comprimé", [M, N, E], 7),
        ("1 cpr x2/)pendant3 semaines", 1, "comprimé", [M, E], 21),
        # A duration's unit misread past likeness, known by its first letter; its 1 read "I" and glued.
        ("1 cpr matin et soir. peodant 3 mote", 1, "comprimé", [M, E], 90),
        ("2 comprimés le soir pendant 2 joots", 2, "comprimé", [E], 2),
        ("Prendre 1-0-0 PendantI semaine", 1, "", [M], 7),
        ("1 sachet 3sj", 1, "sachet", [M, N, E], None),
        # "1-1-1" with both dashes lost.
        ("comprimé secable 1 1 1 pendarit 15)", 1, "", [M, N, E], 15),
        # "fois" read closer to the plain word "puis"; "0-0-1" with both dashes lost and its digits run together.
        ("1 camprime2 fuis par jour pendant2 semaines", 1, "comprimé", [M, E], 14),
        ("Prendre 001", 1, "", [E], None),
        # "fois" misread as "trois"'s look-alike, or glued to its misread "/jour"; "x2/j" with its j read as an i.
        ("1 cpr 2 tois par jour pendant 20 jours", 1, "comprimé", [M, E], 20),
        # ... or as a length of time's look-alike: nothing is taken for months a day.
        ("1 comprimé 2 lois par jour pendant 3 mois", 1, "comprimé", [M, E], 90),
        ("1 ep 2 totsfjour. pendant 4 semainus", 1, "comprimé", [M, E], 28),
        ("1 sachet ×2i pendant 2 mois", 1, "sachet", [M, E], 60),
        # "x2/j" with its j lost, or read as a beta; a stop read after its x.
        ("1 comprimé x 2/. 5 jours", 1, "comprimé", [M, E], 5),
        ("1 gélule 3x/ pendant 10 jours", 1, "gélule", [M, N, E], 10),
        ("1 cp x2β QSP 2 mois", 1, "comprimé", [M, E], 60),
        ("1 ep x. 2ij", 1, "comprimé", [M, E], None),
        # Its "/j" read as an a against the x, or its j as a t after the slash.
        ("1 ep 2xã pendant 3 semaines", 1, "comprimé", [M, E], 21),
        ("1 cp 3s/t pendant 1 mois", 1, "comprimé", [M, N, E], 30),
        ("1 gélule 2s/). pendant 1 mois", 1, "gélule", [M, E], 30),
        # "et" glued to the moment after it, misread or not.
        ("2 bouffées matin etsoi", 2, "bouffée", [M, E], None),
        ("1 cp le matin etcoucher", 1, "comprimé", [M, B], None),
        # A schedule's 0 read as a 9; a length of time's 5 read as an S.
        ("Posologie : 1-9-1. pendant 2 semaines", 1, "", [M, E], 14),
        ("1 comprimé le soir pendant S jours", 1, "comprimé", [E], 5),
        # "1-1-1" with its second dash lost.
        ("Prendre 1-11", 1, "", [M, N, E], None),
        ("Posologie : 1-0 1 pendant 5 jours", 1, "", [M, E], 5),
        # "x2/j" with its "/j" lost before the length of time; "fois/jour" with "jour" misread too.
        ("1 comprimé 2x QSo 3 moes", 1, "comprimé", [M, E], 90),
        ("1 gélule x 3 pendant 10 jours", 1, "gélule", [M, N, E], 10),
        # ... and its "/j" read as a stop or a comma.
        ("2ep 2x. pendamt 21)", 2, "comprimé", [M, E], 21),
        ("1 cp x3, QSP 1 mois", 1, "comprimé", [M, N, E], 30),
        ("2 cps 3 torsfjeur pendant 1 mois", 2, "comprimé", [M, N, E], 30),
        # "jour" misread past knowing after "3 fois par", "fois" misread too.
        ("1 goute dars chapue iel 3 tas par jme", 1, "goutte", [M, N, E], None),
        ("1 goutte dans chaque œil 2 fois par ov", 1, "goutte", [M, E], None),
        # A schedule glued to the length of time after it, or with a stop for its second dash.
        ("1-0-120jours", 1, "", [M, E], 20),
        ("Prendre I-0-11mos", 1, "", [M, E], 30),
        ("Prendre 1-1.1 pendant 1 mois", 1, "", [M, N, E], 30),
        ("Prendre 1.11 pendant 2 semaines", 1, "", [M, N, E], 14),
        # Its first dash read as a stop, its second as a middle dot; a 0 read as the letter o.
        ("1.0-1 Durée 10 jours", 1, "", [M, E], 10),
        ("cp : 2 - 0\u00b7 2 pendant 2 mois", 2, "", [M, E], 60),
        ("0 - 2 - O pendant 6 jours", 2, "", [N], 6),
        ("Prendre o-1-1", 1, "", [N, E], None),
        # A speck read as a stop after a length of time's number.
        ("1 comprimé 2 fois par jour, QSP 2. mois", 1, "comprimé", [M, E], 60),
        # "max 3/j, 5 jours" with its "/j," read as a stop: no one counts half days.
        ("2 cpr en cas de douleur, max 3.5 jours", 2, "comprimé", [], 5),
        # "mois" misread closer to a moment the posology said already, after a number.
        ("1 comprimé le matin et le soir 1 matis - AR 2 fois", 1, "comprimé", [M, E], 30),
        # "mois" misread as close to "moins" or "puis", after a number.
        ("1 gélule le soir au coucher Pangaut 1 mons", 1, "gélule", [B], 30),
        ("2 cpr au coucber, 1 muis, à renouveler 3 fots", 2, "comprimé", [B], 30),
        # A day's moments listed, the thin letters of the next ones lost in a blur.
        ("1 comprml matn md so", 1, "comprimé", [M, N, E], None),
        # "au" glued to the "soir" before it; "œil le" read "œille".
        ("1 comprimé te sorau coucher", 1, "comprimé", [B], None),
        ("1 goutte dans chaque œille soit. pendant 1 mois", 1, "goutte", [E], 30),
    ],
)
def test_it_tolerates_ocr_slips(text, dose, unit, periods, days):
    posology = parse(text)
    assert (posology.dose, posology.unit, posology.periods, posology.duration_days) == (dose, unit, periods, days)


def test_a_length_of_time_after_times_per_is_not_taken_for_the_day():
    # "3 fois par mois" with "mois" misread is three times a month, not a day; "par an" is a year.
    assert parse("1 sachet 3 fois par mos").periods == []
    assert parse("1 ampoule 2 fois par an").periods == []


def test_times_a_day_whose_per_day_was_lost_are_to_check():
    # "1 cp 2x/j" with its "/j" not read: twice a day, doubtful, so that the reviewer checks it.
    posology = parse("1 comprimé 2x pendant 5 jours")
    assert posology.periods == [M, E]
    assert posology.confidence["periods"] < 0.9
    # Followed by something else, "2x" may count anything: not guessed.
    assert parse("1 comprimé 2x par semaine").periods == []
    assert parse("2 x 5 mg").periods == []
    # Its "/j" read as a digit after it ("2x4") or glued to the number ("x 28"), likewise.
    for text in ("1 cp 2×4 pendant 3 semaines", "2 comprimés x 28", "2 comprimés x 25 Pendant 6 jours"):
        posology = parse(text)
        assert posology.periods == [M, E] and posology.confidence["periods"] < 0.9, text
    # "x 14", "x 20": days, perhaps, not guessed.
    assert parse("1 cp x 14").periods == parse("1 cp x 20").periods == []


def test_a_duration_whose_number_was_lost_is_one_of_its_unit_in_the_singular_to_check():
    posology = parse("1-1-1 Pendanz mols")
    assert posology.duration_days == 30 and posology.confidence["duration_days"] < 0.9
    assert parse("1 cp QSP semaine").duration_days == 7
    # Plural, it is more than one: not guessed.
    assert parse("1 cp pendant semaines").duration_days is None


def test_times_a_day_after_a_dose_whose_unit_was_misread_past_knowing():
    posology = parse("1 aût ×2. 10 jouts")
    assert (posology.periods, posology.duration_days) == ([M, E], 10)
    assert posology.confidence["periods"] < 0.9


def test_a_duration_whose_unit_was_lost_is_days_to_check():
    # The "j" of "pendant 14 j" not read at all: days, as a duration of weeks or months is written in fewer, and
    # doubtful, so that the reviewer checks it.
    posology = parse("1 application le soir sur les lésions. Pendant 14")
    assert posology.duration_days == 14
    assert posology.confidence["duration_days"] < 0.9
    # Two could be weeks or months: not guessed.
    assert parse("1 comprimé le soir pendant 2").duration_days is None
    # Nor are minutes or hours.
    assert parse("2 inhalations pendant 10 minutes").duration_days is None
    assert parse("laisser poser pendant 10 heures").duration_days is None
    assert parse("pendant 10 min").duration_days is None
    # The j of "pendant 14 j" read as a 1 against the number: no one writes 141 days.
    posology = parse("1 gélule 2 fois par jour pendant141")
    assert posology.duration_days == 14
    assert posology.confidence["duration_days"] < 0.9
    assert parse("2 comprimés Pendant61").duration_days == 6
    assert parse("1 comprimé le soir pendant 21").duration_days == 21
    # Nor 31: a month is written so, or as 30 days.
    assert parse("1 application matin et soir sur les lésions\nPendant 31").duration_days == 3
    assert parse("1 comprimé le soir pendant 30").duration_days == 30
    # What follows is the next line's text, not a unit.
    assert parse("1 goutte 3 fois par jour pendant15 Ordonnance numérique").duration_days == 15


def test_an_a_after_an_x_is_a_slash_and_j_only_against_it():
    assert parse("1 cp 2x à jeun").periods == []


def test_numbers_a_glued_schedule_could_be_are_left_as_they_are():
    assert parse("Prendre 100 mg").periods == []
    assert parse("Prendre 200 UI").periods == []
    assert parse("2 puis 1 par jour").periods == ["morning"]
    assert parse("1 puis 2 comprimés par jour").duration_days is None
    assert parse("2 trois par jour").periods == ["morning", "noon", "evening"]  # written so, not misread


def test_a_short_word_after_a_moment_is_the_next_only_when_it_could_be_it_shortened():
    assert parse("1 cp midi si douleur").periods == ["noon"]
    assert parse("1 cp matin me").periods == ["morning"]
    assert parse("1 cp midi sa").periods == ["noon"]


def test_words_after_a_moment_are_not_taken_for_the_next_one():
    assert parse("1 application matin et midi sur les lésions").periods == ["morning", "noon"]
    assert parse("1 comprimé le soir et au coucher").periods == ["evening", "bedtime"]


def test_an_inhaler_if_breathing_is_hard_is_as_needed():
    assert parse("2 bouffées si gêne respiratoire pendant 2 mois").as_needed is True


@pytest.mark.parametrize(
    "text", ["I sarhet on cas de douinur", "2 cpr en casde 5hm", "1 cp s douleur", "1 cp sl fièvre"]
)
def test_en_cas_de_or_si_misread_is_still_as_needed(text):
    assert parse(text).as_needed is True


def test_a_word_after_matin_et_is_read_as_a_moment_only_when_it_is_no_other_word_of_the_grammar():
    assert parse("1 cp matin et pendant 5 jours").periods == [M]
    assert parse("1 cp matin et midi").periods == [M, N]


def test_soit_is_a_moment_only_after_an_article():
    assert parse("1 cp, soit 2 comprimés").periods == []
    assert parse("1 cp le soit").periods == [E]


def test_fois_misread_after_a_renewals_count_is_read():
    assert parse("à renouveler 3 tots").renewals == 3


def test_a_word_after_an_article_is_a_moment_only_when_it_is_as_long_as_one():
    assert parse("2 cpr le lendemain").periods == []
    assert parse("1 cp au moment du repas").periods == []
    assert parse("1 pulvérisation dans chaque narine").periods == []


def test_a_moment_said_once_after_a_number_is_a_moment():
    assert parse("1 cp le soir 2 matin").periods == [M, E]
    assert parse("1 cp le soir 2 matin").duration_days is None


def test_a_word_after_a_duration_is_read_as_a_length_of_time_only_when_it_is_close_to_one():
    assert parse("pendant 2 soir").periods == [E]
    assert parse("pendant 2 soir").duration_days is None
    assert parse("prendre 2 mais le soir").duration_days is None


@pytest.mark.parametrize(
    ("text", "periods"),
    [
        # "et" misread between two moments, the second misread too.
        ("2 co matia e sor", [M, E]),
        ("1 cpr to mantin ot lo sote", [M, E]),
        ("1 cp le soir e midi", [N, E]),
        # The "au" of "soir au coucher" misread, and "coucher" too: one moment, bedtime.
        ("1 cp le sor ad coudes", [B]),
        ("1 cp le sor aud couches", [B]),
        ("1 cp le soir na coecher", [B]),
        ("1 cp le soir au lit", [E]),
        # "et" or "ou" between them, even misread, is two moments.
        ("1 cp le soir et coucher", [E, B]),
        ("1 cp le soir ot coucher", [E, B]),
    ],
)
def test_misread_little_words_between_moments_keep_the_moments(text, periods):
    assert parse(text).periods == periods


@pytest.mark.parametrize("text", ["Prendre 1-1-1 ↓ mois", "Prendre 1-1-1 | mois", "pendant ] mois"])
def test_a_bar_or_an_arrow_before_a_length_of_time_is_a_one(text):
    assert parse(text).duration_days == 30


def test_m_alone_after_a_duration_is_months():
    assert parse("QSP 3 M").duration_days == 90
    assert parse("qsp 1 m.").duration_days == 30
    assert parse("pendant 10 min").duration_days is None


@pytest.mark.parametrize(
    "text",
    [
        "1 cp, maximum 3 par jour",
        "1 sachet, sans dépasser 3 sachets par jour",
        "2 bouffées au plus 8 fois par jour",
        # The "si douleur" before it misread, and "maximum" too.
        "1 cp m doleuc makmum 3 par jour",
        "1 cp maxlmun 4/jour",
    ],
)
def test_at_most_so_many_a_day_with_no_moment_is_as_needed_less_surely(text):
    posology = parse(text)
    assert posology.as_needed
    assert posology.periods == []
    assert posology.confidence["as_needed"] < 1.0


def test_at_most_so_many_a_day_beside_a_schedule_is_no_need():
    posology = parse("1 cp matin et soir, maximum 4 par jour")
    assert not posology.as_needed
    assert posology.periods == [M, E]
    assert parse("1-0-1 sans dépasser 2 par jour").periods == [M, E]
    posology = parse("1 cp 3 fois par jour, au plus 4 par jour")
    assert not posology.as_needed
    assert posology.periods == [M, N, E]


@pytest.mark.parametrize(
    ("text", "periods", "days"),
    [
        # "QSP" glued to its number, "mois" misread.
        ("Q5P3m8", [], 90),
        ("1 cp le soir QSP2 mois", [E], 60),
        # "fois/jour", its slash read as a letter and "jour" misread with no r.
        ("1 compnme 2 fosijea, pendant 15 jours", [M, E], 15),
        # "et" read "ef" between two moments.
        ("1 application matin ef soi", [M, E], None),
        # "jours" read as a moment's look-alike after a duration's keyword and number, the number as a letter too.
        ("2 comprimés au coucher durant s loirs", [B], 5),
        ("Pendant 7 loirs", [], 7),
        # "soirs" as written is evenings.
        ("1 comprimé pendant 5 soirs", [E], None),
        # The moments before the last of a list misread ("matin midi soir").
        ("3 comprimés matm mid soir, pendant 3 semaines", [M, N, E], 21),
        ("1 cp mtn midi soir", [M, N, E], None),
        # A day of the week before a moment is no moment.
        ("1 cp le mardi soir", [E], None),
        # Between a dose and "et soir", a word misread past likeness is an earlier moment; not after another word.
        ("1 application priato ef soir sur les lésions, 6 jours", [M, E], 6),
        ("2 comprimés pnidt et soir", [N, E], None),
        ("1 application localement et le soir", [E], None),
        ("1 cp le xyz et soir", [E], None),
    ],
)
def test_more_misread_posology_words(text, periods, days):
    posology = parse(text)
    assert posology.periods == periods
    assert posology.duration_days == days


@pytest.mark.parametrize(
    "text",
    [
        "prendre 2 1-2 fois par jour",
        "1 1-2 x par jour",
        "1 1-1-1",
        "1-2 2 fois par jour",
        "1-0 1 mois",
        "prendre 1.00",
        "0.12 mg",
        "8-8-8",
        "le 08-09-2026",
        "prendre 1.0-1.5 mg",
        "1.0-10 mg",
        "pendant 1.5 mois",
    ],
)
def test_a_number_before_a_range_is_not_a_schedule_missing_a_dash(text):
    assert normalize(text) == text


def test_a_slip_lowers_the_confidence_of_the_field_it_touches():
    posology = parse("1 cornprimé le matin pendant 10 jours")
    assert posology.confidence["dose"] < 1
    assert posology.confidence["periods"] == 1
    assert posology.confidence["duration_days"] == 1


def test_a_full_line():
    posology = parse("2 comprimés matin, midi et soir, pendant 10 jours au cours des repas. À renouveler 2 fois")
    assert posology.dose == 2
    assert posology.unit == "comprimé"
    assert posology.periods == [M, N, E]
    assert posology.duration_days == 10
    assert not posology.as_needed
    assert posology.renewals == 2
    assert posology.instructions == "au cours des repas"


def test_a_text_without_posology_gives_nothing():
    assert not parse("Signature").found
    assert not parse("Ordonnance sécurisée").found

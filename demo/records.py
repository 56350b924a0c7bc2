"""Alice's demo history: a dozen records over three years, with files made here (a user's machine has no
sample data), so that every page of the product has something real to show."""

import io
import random
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter

from documents.uploads import check_upload
from health_records import services
from health_records.models import HealthRecord


def report_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page report with a real text layer (what a practice's software prints)."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def lab_result_pdf(day: date) -> bytes:
    rows = [
        ("Hémoglobine", "13,8 g/dL", "12,0 - 16,0"),
        ("Leucocytes", "6,2 G/L", "4,0 - 10,0"),
        ("Plaquettes", "245 G/L", "150 - 400"),
        ("Glycémie à jeun", "0,92 g/L", "0,70 - 1,10"),
        ("Cholestérol LDL", "1,31 g/L", "< 1,60"),
        ("TSH", "1,9 mUI/L", "0,4 - 4,0"),
    ]
    lines = [f"Prélèvement du {day:%d/%m/%Y}", ""] + [
        f"{name:<22} {value:>12}    ({normal})" for name, value, normal in rows
    ]
    return report_pdf("Laboratoire d'analyses médicales - Résultats", lines)


def skin_photo_jpeg(seed: int, size: tuple[int, int], healing: float) -> bytes:
    """A close-up of skin with a scar that fades as `healing` goes from 0 to 1."""
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # a picture, not a secret
    width, height = size
    image = Image.new("RGB", size, (224, 182, 160))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randrange(width), rng.randrange(height)
        shade = rng.randrange(-12, 12)
        draw.point((x, y), fill=(224 + shade, 182 + shade, 160 + shade))
    redness = int(90 * (1 - healing))
    scar = (200 - redness // 3, 120 + int(50 * healing), 110 + int(40 * healing))
    cx, cy = width // 2, height // 2
    length = min(width, height) // 3
    draw.line(
        (cx - length, cy - length // 4, cx + length, cy + length // 4), fill=scar, width=max(4, 18 - int(12 * healing))
    )
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def xray_png(seed: int) -> bytes:
    """A knee X-ray-like greyscale picture."""
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # a picture, not a secret
    image = Image.new("L", (600, 800), 12)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((220, 0, 380, 380), radius=60, fill=170)
    draw.rounded_rectangle((230, 420, 370, 800), radius=50, fill=160)
    draw.ellipse((250, 330, 350, 450), fill=120)
    for _ in range(3000):
        x, y = rng.randrange(600), rng.randrange(800)
        draw.point((x, y), fill=rng.randrange(0, 60))
    image = image.filter(ImageFilter.GaussianBlur(2))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def checked_file(name: str, content: bytes):
    return check_upload(SimpleUploadedFile(name, content))


def alice_history(today: date):
    """(kind, title, date, description, tags, [(file name, bytes)]) over the last three years."""

    def ago(days):
        return today - timedelta(days=days)

    prescription = [
        "Dr Bob Bernard - Médecine générale - RPPS 10003456786",
        f"Lyon, le {ago(20):%d/%m/%Y}",
        "Mme Alice Martin",
        "",
        "DOLIPRANE 1000 mg, comprimé : 1 comprimé matin, midi et soir pendant 5 jours",
        "AMOXICILLINE 1 g, comprimé : 1 comprimé matin et soir pendant 7 jours",
    ]
    return [
        (
            "prescription",
            "Ordonnance angine",
            ago(20),
            "Angine bactérienne, test rapide positif.",
            ["ORL"],
            [("ordonnance-angine.pdf", report_pdf("Ordonnance", prescription))],
        ),
        (
            "lab_result",
            "Bilan sanguin annuel",
            ago(45),
            "",
            ["bilan"],
            [("bilan-sanguin.pdf", lab_result_pdf(ago(45)))],
        ),
        (
            "photo",
            "Cicatrice genou gauche — J+60",
            ago(75),
            "Cicatrisation en bonne voie.",
            ["genou"],
            [("genou-j60.jpg", skin_photo_jpeg(3, (1200, 900), 0.9))],
        ),
        (
            "photo",
            "Cicatrice genou gauche — J+21",
            ago(114),
            "",
            ["genou"],
            [("genou-j21.jpg", skin_photo_jpeg(2, (900, 1200), 0.5))],
        ),
        (
            "surgery",
            "Arthroscopie du genou gauche",
            ago(135),
            "Méniscectomie partielle interne, ambulatoire.",
            ["genou"],
            [
                (
                    "compte-rendu-operatoire.pdf",
                    report_pdf(
                        "Compte rendu opératoire",
                        [
                            "Arthroscopie du genou gauche sous anesthésie générale.",
                            "Méniscectomie partielle de la corne postérieure du ménisque interne.",
                            "Suites simples. Sortie le jour même.",
                        ],
                    ),
                )
            ],
        ),
        (
            "photo",
            "Cicatrice genou gauche — J+2",
            ago(133),
            "",
            ["genou"],
            [("genou-j2.jpg", skin_photo_jpeg(1, (1200, 900), 0.05))],
        ),
        (
            "imaging",
            "IRM du genou gauche",
            ago(170),
            "Lésion méniscale interne.",
            ["genou"],
            [
                ("irm-genou.png", xray_png(7)),
                (
                    "compte-rendu-irm.pdf",
                    report_pdf(
                        "IRM du genou gauche",
                        ["Fissure horizontale de la corne postérieure du ménisque interne.", "Pas d'épanchement."],
                    ),
                ),
            ],
        ),
        ("vaccination", "Rappel DTP", ago(400), "Diphtérie, tétanos, poliomyélite.", [], []),
        (
            "allergy",
            "Allergie à la pénicilline ? Non confirmée",
            ago(480),
            "Éruption sous amoxicilline en 2009, tests allergologiques négatifs.",
            ["allergie"],
            [],
        ),
        (
            "medical_report",
            "Consultation cardiologie",
            ago(560),
            "Palpitations. ECG et Holter normaux.",
            ["cardiologie"],
            [
                (
                    "courrier-cardiologue.pdf",
                    report_pdf(
                        "Consultation de cardiologie",
                        ["Palpitations épisodiques.", "ECG : rythme sinusal régulier.", "Holter 24 h : normal."],
                    ),
                )
            ],
        ),
        ("condition", "Hypothyroïdie", ago(800), "Suivie par le médecin traitant, TSH tous les ans.", [], []),
        ("hospital_stay", "Hospitalisation appendicite", ago(1000), "Appendicectomie, 2 nuits.", [], []),
        (
            "note",
            "Questions pour le prochain rendez-vous",
            ago(3),
            "Douleur au genou en montant les escaliers ?",
            ["genou"],
            [],
        ),
    ]


def create_alice_history(*, alice, today: date) -> int:
    """Creates alice's records once: when she has some already, the demo keeps them as they are."""
    if HealthRecord.objects.filter(patient=alice).exists():
        return 0
    history = alice_history(today)
    for kind, title, day, description, tags, files in history:
        services.health_record_create_with_site(
            actor=alice,
            patient=alice,
            kind=kind,
            title=title,
            clinical_date=day,
            description=description,
            tags=tags,
            body_site="genou gauche" if kind == "photo" else "",
            uploads=[checked_file(name, content) for name, content in files],
        )
    return len(history)

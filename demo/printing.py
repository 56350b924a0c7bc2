from printing.models import Printer
from printing.services import printer_ensure, printer_rotate_secret

DEMO_PRINTER_ID = "demo-bob"
DEMO_PRINTER_SECRET = "relyfe-demo-printer"  # noqa: S105  # nosec B105  # published on purpose, demo printer only


def create_bob_printer(*, bob) -> list[str]:
    """Bob's printer answers at ipp://bob:relyfe-demo-printer@127.0.0.1:8000/ipp/print/demo-bob."""
    printer, _secret = printer_ensure(owner=bob, slug=DEMO_PRINTER_ID, secret=DEMO_PRINTER_SECRET)
    if printer.slug != DEMO_PRINTER_ID:
        Printer.objects.filter(pk=printer.pk).update(slug=DEMO_PRINTER_ID)
        printer.refresh_from_db()
    printer_rotate_secret(actor=bob, printer=printer, secret=DEMO_PRINTER_SECRET)
    return [f"Bob's printer: ipp://bob:{DEMO_PRINTER_SECRET}@127.0.0.1:8000/ipp/print/{DEMO_PRINTER_ID}"]

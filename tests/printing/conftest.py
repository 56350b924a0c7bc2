import pytest
from celery.app.task import Task

from printing.ipp.server import JPEG, PDF
from printing.services import DatabaseJobStore, printer_ensure
from tests.files import jpeg_bytes, pdf_bytes


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def tasks_queued(monkeypatch):
    """Tasks are not sent to a broker: their names and arguments are kept here instead."""
    queued = []
    monkeypatch.setattr(Task, "apply_async", lambda task, args=None, kwargs=None, **options: queued.append(task.name))
    return queued


@pytest.fixture
def print_to(db):
    """Prints a document to a professional's printer as a computer does over IPP: a job, then its document."""

    def print_document(professional, *, name="Ordonnance", data=None, document_format=PDF, user_name="secretariat"):
        printer, _secret = printer_ensure(owner=professional)
        store = DatabaseJobStore(printer)
        number = store.create_job(job_name=name, user_name=user_name, document_format=document_format)
        store.add_document(number, data=data or pdf_bytes(), document_format=document_format, last=True)
        return printer.jobs.get(number=number)

    return print_document


@pytest.fixture
def printed_pdf(bob, print_to):
    return print_to(bob, name="Ordonnance Alice")


@pytest.fixture
def printed_jpeg(bob, print_to):
    return print_to(bob, name="Scan", data=jpeg_bytes(), document_format=JPEG)

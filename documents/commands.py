"""What the command-line readers share (extract_prescription, extract_labs): files read as an upload is, without
the database, each result printed as a summary or the whole list as JSON; a file that cannot be read gives an
error and does not stop the others."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from documents.reading import read_document
from documents.text import DocumentText, UnreadableDocument
from documents.uploads import detect_content_type


class ReadingCommand(BaseCommand):
    """A subclass says what its reader makes of a document (`result`) and how one result reads (`summary`)."""

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--json", action="store_true", help="Print a JSON list, one object per file.")

    def handle(self, *args, files, **options):
        results = [self.read(file) for file in files]
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
        else:
            for result in results:
                error = result.get("error")
                self.stdout.write(f"{result['file']}: {error}\n" if error else self.summary(result))

    def read(self, file: str) -> dict:
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            return {"file": file, "error": f"Cannot open the file: {error.strerror}"}
        try:
            # read_document explains which types it reads when the magic bytes are none of them.
            document = read_document(content, detect_content_type(content) or "application/octet-stream")
        except UnreadableDocument as unreadable:
            return {"file": file, "error": str(unreadable)}
        return self.result(document, file=file)

    def result(self, document: DocumentText, *, file: str) -> dict:
        raise NotImplementedError

    def summary(self, result: dict) -> str:
        """One file's result, read."""
        raise NotImplementedError

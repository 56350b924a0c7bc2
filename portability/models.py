from portability.import_models import ImportFile, ImportJob

__all__ = ["ImportFile", "ImportJob"]

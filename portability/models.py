from portability.export_models import ExportJob, ExportStatus
from portability.import_models import ImportFile, ImportJob

__all__ = ["ExportJob", "ExportStatus", "ImportFile", "ImportJob"]

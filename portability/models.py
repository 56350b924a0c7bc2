from portability.export_models import ExportJob, ExportStatus

__all__ = ["ExportJob", "ExportStatus"]

"""Documents: file intake and reading (upload checks, PDF text, OCR engines, the PDFium lock). Foundation
layer: it imports no feature app; the prescription parser and the drug lexicon stay in `treatments`."""

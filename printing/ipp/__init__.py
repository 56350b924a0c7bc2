"""The IPP protocol layer of the virtual printer: encoding (codec), numbers (constants), operations (server), what
they work with (model), the printer's and jobs' attributes (attributes) and the Job Template checks (job_template).

No Django here: the view hands `server.handle` the request body, a `PrinterContext` and a `JobStore`.
"""

"""The IPP protocol layer of the virtual printer: encoding (codec), numbers (constants), operations (server).

No Django here: the view hands `server.handle` the request body, a `PrinterContext` and a `JobStore`.
"""

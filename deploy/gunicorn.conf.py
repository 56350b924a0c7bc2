"""gunicorn's settings for relyfe-web.service (`gunicorn -c deploy/gunicorn.conf.py relyfe.wsgi`).

The access log is on, in the combined format, through relyfe.redaction.GunicornLogger: the tokens of share
links, Heart-Codes and the other secret URLs show as [redacted] in the request line and the Referer.
"""

bind = "127.0.0.1:8000"
workers = 3
timeout = 60
graceful_timeout = 30
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
logger_class = "relyfe.redaction.GunicornLogger"

# STORAGE=s3 on moto's local S3 server (tests/s3.py).
from tests.s3 import s3  # noqa: F401

# The fault tests' private Redis server, and the cache pointed at it (tests/private_redis.py).
from tests.private_redis import cache_on_redis, private_redis, redis_down  # noqa: F401

# The run's broker, to take down and bring back (tests/relyfe/brokers.py).
from tests.relyfe.brokers import broker_down, run_broker, run_broker_cache  # noqa: F401

# STORAGE=s3 on moto's local S3 server (tests/s3.py).
from tests.s3 import s3  # noqa: F401

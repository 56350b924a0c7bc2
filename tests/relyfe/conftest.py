# The fault tests' private Redis server, and the cache pointed at it (tests/private_redis.py).
from tests.private_redis import cache_on_redis, private_redis, redis_down  # noqa: F401

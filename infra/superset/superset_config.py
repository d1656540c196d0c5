# Superset configuration of the seed's §3.10 (Phase 7, file 45): the metadata
# database, the Redis cache and the secret key, all read from the container's
# environment, which degen's model sets on both runtimes (the passwords and
# the key are secret references, never values in this file).
import os


def _env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"superset_config.py: {name} is not set")
    return value


SECRET_KEY = _env("SUPERSET_SECRET_KEY")

SQLALCHEMY_DATABASE_URI = "{dialect}://{user}:{password}@{host}:{port}/{db}".format(
    dialect=_env("DATABASE_DIALECT", "postgresql+psycopg2"),
    user=_env("DATABASE_USER"),
    password=_env("DATABASE_PASSWORD"),
    host=_env("DATABASE_HOST"),
    port=_env("DATABASE_PORT", "5432"),
    db=_env("DATABASE_DB"),
)

REDIS_URL = _env("REDIS_URL")

CACHE_CONFIG = {
    "CACHE_TYPE": "RedisCache",
    "CACHE_DEFAULT_TIMEOUT": 300,
    "CACHE_KEY_PREFIX": "superset_",
    "CACHE_REDIS_URL": REDIS_URL,
}
DATA_CACHE_CONFIG = CACHE_CONFIG

FEATURE_FLAGS = {"ENABLE_TEMPLATE_PROCESSING": True}

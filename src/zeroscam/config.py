"""Settings, read from the environment with the prefix ZEROSCAM_.

`ZEROSCAM_HOME` holds the embedded stores (SQLite, Parquet/DuckDB) and the
alliance secret; `ZEROSCAM_DATABASE_URL` moves the relational store to a server.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from zeroscam.kit.errors import ConfigError

# Values that must never be used as the alliance secret outside tests.
_WEAK_SECRETS = {"", "changeme", "secret", "default", "test", "zeroscam"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZEROSCAM_", extra="ignore")

    home: Path = Path("./zeroscam-data")
    database_url: str | None = None
    alliance_secret: str | None = None  # normally generated under home; set only in tests
    testing: bool = False
    log_level: str = "INFO"
    public_check_per_minute: int = 30

    @property
    def sqlite_path(self) -> Path:
        return self.home / "zeroscam.sqlite3"

    @property
    def analytics_dir(self) -> Path:
        """Parquet tables of movement data and analytic results."""
        return self.home / "analytics"

    @property
    def relational_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    def ensure_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home

    def alliance_key(self) -> bytes:
        """The alliance secret for keyed identifier tokens (HMAC-SHA256).

        Generated on first use and stored under home with mode 0600. A configured
        secret that is empty or a well-known default is refused outside tests.
        """
        if self.alliance_secret is not None:
            if self.alliance_secret.strip().lower() in _WEAK_SECRETS and not self.testing:
                raise ConfigError("ZEROSCAM_ALLIANCE_SECRET is empty or a default value; refusing to use it")
            return self.alliance_secret.encode()
        path = self.ensure_home() / "alliance.key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        os.chmod(path, 0o600)
        value = path.read_text().strip()
        if value.lower() in _WEAK_SECRETS:
            raise ConfigError(f"{path}: the alliance secret is empty; delete the file to generate a new one")
        return value.encode()


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()

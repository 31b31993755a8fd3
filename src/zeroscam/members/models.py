"""Members: organisations, their API keys and their staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zeroscam.kit.db import Base
from zeroscam.kit.timeutil import utcnow

ORG_TYPES = ("bank", "telco", "police", "regulator", "platform", "public")
ROLES = ("analyst", "admin")


class Org(Base):
    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    operator: Mapped[str | None] = mapped_column(String(50))  # telcos: AIS, TRUE, NT, ...
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    bank_codes: Mapped[list[OrgBankCode]] = relationship(
        back_populates="org", cascade="all, delete-orphan", lazy="selectin")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(sorted(b.bank_code for b in self.bank_codes))


class OrgBankCode(Base):
    """A bank's 3-digit BOT code; hold requests for an account go to the code's org."""

    __tablename__ = "org_bank_codes"

    bank_code: Mapped[str] = mapped_column(String(3), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)

    org: Mapped[Org] = relationship(back_populates="bank_codes")


class ApiKey(Base):
    """An API key, stored only as SHA-256 of the secret; `key_id` is the public lookup prefix."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class User(Base):
    """A member's staff login for the web console (argon2id password hash)."""

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_org", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled: Mapped[bool] = mapped_column(default=False)

    org: Mapped[Org] = relationship(lazy="joined")

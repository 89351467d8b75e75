"""Persistence: SQLAlchemy models, transactions and queries. The only importer of sqlalchemy."""

from sqlalchemy.orm import Session

__all__ = ["Session"]

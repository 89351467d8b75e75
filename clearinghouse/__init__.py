"""Clearinghouse: a hash-sharing clearinghouse with signed provenance and a transparency log."""

__version__ = "0.1.0"

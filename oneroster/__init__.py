"""OneRoster 1.1 and 1.2 reader: CSV packages (zip or directory) → canonical records."""

from oneroster.options import ReadOptions
from oneroster.package import zip_like
from oneroster.reader import read, sniff

__all__ = ["ReadOptions", "read", "sniff", "zip_like"]

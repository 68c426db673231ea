"""IMS Enterprise 1.1 and PIFU-IMS reader.

``read`` streams a document into the canonical records of ``mapping.records``;
``sniff`` tells an IMS document from other formats by its first bytes.
"""

from ims.options import ReadOptions
from ims.reader import read, sniff

__all__ = ["ReadOptions", "read", "sniff"]

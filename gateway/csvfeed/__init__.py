"""The gateway's own CSV format: the LMS admin's "import users from a file" flow."""

from gateway.csvfeed.columns import valid_field
from gateway.csvfeed.lines import MAX_LINE_BYTES
from gateway.csvfeed.reader import ReadOptions, read

__all__ = ["MAX_LINE_BYTES", "ReadOptions", "read", "valid_field"]

"""The gateway's exceptions, translated to exit codes and HTTP statuses at the edge.

* GatewayError
  + UsageError      a command or setting the gateway cannot take (exit 2)
  + NotFound        a run, account, group or school that does not exist (exit 1)
  + RuleError       a change the site's policy refuses, e.g. a forced e-mail (exit 1)
  + ConflictError   the store changed under a plan, e.g. approving a stale run (exit 1)
  + Unauthorized    no credential, or one that is wrong (HTTP 401)
  + Forbidden       a credential that may not do this, e.g. another school's (exit 1, HTTP 403)
* mapping.records.FeedError   the feed cannot be read; the run fails (exit 1)
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of the gateway's own errors."""


class UsageError(GatewayError):
    """A command, option or setting the gateway cannot take."""


class NotFound(GatewayError):
    """Something named by the caller does not exist."""


class RuleError(GatewayError):
    """The site's policy refuses the change."""


class ConflictError(GatewayError):
    """The store changed since the plan was made."""


class Unauthorized(GatewayError):
    """No credential, or a wrong one."""


class Forbidden(GatewayError):
    """The credential is good but may not do this."""

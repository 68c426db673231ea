"""Who may do what: admins, their passwords and API tokens, and the one scope check."""

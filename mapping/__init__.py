"""Pure rules between readers and the store: records, profiles, usernames, settings."""

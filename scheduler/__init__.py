"""Scheduled jobs: pulls, guardian activation dates, retention (not built yet)."""

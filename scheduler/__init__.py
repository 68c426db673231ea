"""Scheduled jobs: pulls on a schedule and guardians' activation dates (see service.py)."""

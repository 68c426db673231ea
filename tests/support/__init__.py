"""Helpers shared by the tests: databases, the CLI, inline feeds."""

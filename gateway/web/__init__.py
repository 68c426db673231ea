"""The web layer: the app factory and its routes."""

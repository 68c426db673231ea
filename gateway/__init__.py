"""The rostergate system: config, store, sync engine, web app, CLI."""

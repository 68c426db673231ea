"""The benchmark: a deterministic feed generator, and the imports `rostergate bench` measures."""

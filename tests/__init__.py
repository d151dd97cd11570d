"""Herald test suite."""

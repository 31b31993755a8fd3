"""zeroscam.cli."""

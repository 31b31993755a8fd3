"""zeroscam.kit."""

"""zeroscam.check."""

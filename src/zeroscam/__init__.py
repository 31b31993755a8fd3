"""zeroscam."""

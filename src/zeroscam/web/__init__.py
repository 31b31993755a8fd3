"""zeroscam.web."""

"""zeroscam.analytics."""

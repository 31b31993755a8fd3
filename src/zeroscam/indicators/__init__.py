"""zeroscam.indicators."""

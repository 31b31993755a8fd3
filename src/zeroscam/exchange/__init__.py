"""zeroscam.exchange."""

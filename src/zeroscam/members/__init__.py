"""zeroscam.members."""

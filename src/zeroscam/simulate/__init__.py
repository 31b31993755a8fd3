"""zeroscam.simulate."""

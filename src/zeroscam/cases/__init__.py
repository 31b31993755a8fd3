"""zeroscam.cases."""

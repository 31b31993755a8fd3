"""zeroscam.identifiers."""

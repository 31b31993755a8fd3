"""zeroscam.audit."""

"""zeroscam.reports."""

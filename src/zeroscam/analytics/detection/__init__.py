"""zeroscam.analytics.detection."""

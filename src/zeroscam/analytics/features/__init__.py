"""Feature tables computed over the canonical tables (SQL through the engine seam)."""

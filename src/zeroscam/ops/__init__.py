"""zeroscam.ops: metrics and structured logs."""

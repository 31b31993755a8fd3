"""zeroscam.ingest: `zeroscam load` — AXF folders into the analytics and operational stores."""

"""Tasks, leads, reports and metadata from a plan's prose."""

"""The domain: tables, task states and their moves, the org, names, the working calendar, deadline phrases."""

"""Plans: the reviewable YAML form (schema), its import, and (later) extraction from documents."""

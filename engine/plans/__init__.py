"""Plans: the reviewable YAML form (schema), its import, occurrences, and extraction from documents."""

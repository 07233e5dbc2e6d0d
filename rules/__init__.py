"""The rule language admins write in config/rules.yaml: schema, loading, evaluation."""

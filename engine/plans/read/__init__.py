"""Reading a plan document: numbered lines and tables, text folding, unit names, domain topics."""

"""Tasks from tables: real ones (Word, Excel, CSV, PDF) and tables flattened into text."""

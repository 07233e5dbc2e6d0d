"""Plumbing every layer uses: settings, the database, the clock, admin-file loading, errors."""

"""The outbox on its way out: claim, prepare, send (paced), record."""

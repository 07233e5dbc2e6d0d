"""The reminder pipeline before delivery: the active rules, timers, the sweep, acknowledgements, simulation."""

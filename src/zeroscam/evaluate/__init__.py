"""Scoring the batch commands' outputs against a simulated world's truth/ (docs/simulator.md)."""

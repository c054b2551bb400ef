"""Experiments: running many (scenario, parameters, seed) jobs and summarising them."""

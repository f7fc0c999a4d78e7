"""Benchmarks: figures for the README, never assertions in tests."""

"""Runnable stories about backpropagation: ``python -m demos.NAME``."""

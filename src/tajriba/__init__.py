"""Tajriba: Arabic-first customer-experience management."""

__version__ = "0.1.0"

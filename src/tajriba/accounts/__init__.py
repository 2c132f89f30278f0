"""Workspaces, users, roles, login sessions, API keys and write keys."""

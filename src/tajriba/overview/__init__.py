"""The workspace overview and first views of each domain."""

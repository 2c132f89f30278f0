"""Customer profiles, identity resolution and the customer timeline."""

"""The demo store by subject, each a class of methods over the shared world (tajriba/demo/world.py)."""

"""Background jobs: the queue (jobs table), handlers, and the worker loop."""

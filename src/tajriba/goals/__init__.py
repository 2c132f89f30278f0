"""Goals: a KPI, a scope, a target and a due date; progress, projection and status from the data."""

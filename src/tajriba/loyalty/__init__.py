"""Loyalty: the points programme (ledger, rules, campaigns, tiers, rewards) and next-best offers."""

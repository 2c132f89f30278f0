"""Customer value and loyalty: summaries, RFM, cohorts, lifetime-value models, churn risk, drivers."""

"""Privacy operations (Saudi PDPL, GDPR): data-subject requests with deadlines; export, erasure, retention,
breaches and records of processing follow (issue 22)."""

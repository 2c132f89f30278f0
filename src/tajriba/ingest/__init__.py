"""Getting customer data in: the Segment-compatible tracking API, file imports."""

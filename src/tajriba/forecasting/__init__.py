"""Proactive service: forecasts of contact volume through Ramadan, Eid and sales peaks, and the staff they need
(issue 21; so far the staffing arithmetic, Erlang C and Erlang A, its command, and the calendar features)."""

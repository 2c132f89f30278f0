"""Closed-loop cases: rules that open them, routing, SLA clocks on business calendars, alerts."""

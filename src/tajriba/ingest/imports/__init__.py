"""File imports: customers, events, orders, tickets and feedback from the files CX teams have."""

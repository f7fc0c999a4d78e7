"""Services: the business rules between handlers and the database or engine."""

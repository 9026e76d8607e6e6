"""Ideas: proposals on an ideas board that members vote for and staff give a status."""

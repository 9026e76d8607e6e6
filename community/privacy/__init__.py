"""Personal data (GDPR): a member's export of everything held about them, and erasure."""

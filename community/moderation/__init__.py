"""Reports, the moderation queue and its decisions, and the audit log."""

"""Notifications (in-app notices and mails), watched threads and boards, expert routing."""

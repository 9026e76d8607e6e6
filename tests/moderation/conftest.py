from tests.smtp import mailbox, smtp_server  # noqa: F401

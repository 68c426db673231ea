"""Users and access: accounts added by hand, passwords, expiry dates, access data by e-mail."""

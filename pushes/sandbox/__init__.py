"""The built-in TPNS-compatible sandbox gateway, served under /sandbox/."""

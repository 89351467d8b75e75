"""tlog."""

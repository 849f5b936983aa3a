"""Built-in paylink plugins."""

"""paylink."""

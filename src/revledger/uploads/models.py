"""Tables of the uploads domain (issue 5)."""

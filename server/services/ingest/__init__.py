"""Taking surveys from the field: one at a time (`single`) or a whole push (`batch`)."""

"""The demo regency: synthetic households (`data`, `names`) and `make demo` (`setup`)."""

"""One reader per saved form, and the sniffer that picks one."""

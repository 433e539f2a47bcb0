"""Learning profiles from conversations: the only package that imports langmem."""

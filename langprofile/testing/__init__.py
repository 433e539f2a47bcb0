"""A test kit for graphs that use langprofile: fixtures, scripted models, backends."""

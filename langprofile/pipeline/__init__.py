"""Pure steps of the profile loop: bounds, merge with provenance, verbalize. No I/O."""

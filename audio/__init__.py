"""narrate's shipped sounds (see README.md here); installed as the package narrate.assets."""

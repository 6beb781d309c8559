"""Files -> Post: reading a post file, its plain text, ids, and naming and writing new posts."""

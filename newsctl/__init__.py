"""newsctl: a command-line archive for news posts, with Chinese full-text search."""

__version__ = "0.1.0"

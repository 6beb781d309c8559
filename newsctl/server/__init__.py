"""The warm path: an optional per-user server that keeps newsctl imported and its indexes open.

Modelled on Mercurial's chg and Python's forkserver. The `newsctl` entry
point (client.py) tries the server's socket before importing anything heavy;
the server (server.py) forks a worker (worker.py) per command that runs the
ordinary CLI on the client's own stdin/stdout/stderr, cwd and environment.
No server, or any doubt about it, means the command runs in-process: the
server is never needed for a correct result. Nothing is imported here: the
client must start fast.
"""

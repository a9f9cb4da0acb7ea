"""The composition root: what puts the services together (the runner, the `guiyan` command, the demo).

It may import every service; the services and shared/ import nothing of it.
"""

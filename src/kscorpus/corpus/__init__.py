"""The corpus directory: its manifest, growing it (add, remove, init), and the lock that lets
one writer change it at a time."""

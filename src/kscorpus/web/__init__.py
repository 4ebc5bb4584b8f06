"""The web reader (``kscorpus serve``): pages and their JSON twins over the library."""

"""Developer tooling behind the Makefile: fingerprinted training and running the servers."""

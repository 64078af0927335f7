"""The chaos run needs servers of its own that it may kill: ``make chaos`` starts them on
ports of their own (like ``make bench``) and runs this folder alone; ``make test`` does not
collect it (pyproject's testpaths). It fails, never skips, when a server does not answer."""

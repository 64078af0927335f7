"""The ``tousu`` command-line tool."""

"""The main window's panes; each one is a plain widget the window wires to the library."""

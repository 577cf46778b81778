"""The TUI's widgets: they call core operations and read the loaded state, never TinyDB."""

"""Output formats: one module each (schema, builtin generator, markdown rendering)."""

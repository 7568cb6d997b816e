"""Qt-free domain core: types, errors, cancellation, progress, settings, paths."""

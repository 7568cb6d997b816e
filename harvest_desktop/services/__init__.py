"""What both front ends call: sources, concepts, search, generation, export.

Each write returns the `Changes` it made and publishes them on the library's `ChangeBus`.
Qt-free; below cli/ and ui/, above every other layer.
"""

"""Providers behind one small protocol: complete, stream, count tokens, price."""

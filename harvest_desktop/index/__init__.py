"""Chunking, embeddings, the FAISS index, near-duplicate detection and search."""

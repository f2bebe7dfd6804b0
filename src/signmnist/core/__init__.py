"""Shared by every stage: what the data is (facts), errors, progress output, atomic files, preprocessing.

Imports nothing else of signmnist; every other subpackage may import it.
"""

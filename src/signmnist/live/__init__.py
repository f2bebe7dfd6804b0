"""Live spelling: per-frame results into text (Speller) and a tracked stream of frames read and spelled.

Above inference; pure logic and frame handling, no HTTP.
"""

"""Small files the package needs at run time (a hand image that warms up MediaPipe)."""

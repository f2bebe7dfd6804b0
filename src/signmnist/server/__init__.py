"""signmnist serve's app: its routes, request parsing, admission, the dynamic batcher, the Live WebSocket,
and the page's teaching jobs with the taught models they hold (the page itself lives in `signmnist.web`).
Above web, live and inference.
"""

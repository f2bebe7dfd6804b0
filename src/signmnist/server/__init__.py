"""signmnist serve: the HTTP app and its routes, request parsing, the dynamic batcher, the Live WebSocket,

the page's teaching jobs, and the web page. Above live and inference.
"""

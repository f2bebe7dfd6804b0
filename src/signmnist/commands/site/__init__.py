"""The offline static page that `signmnist web` builds: its HTML and JavaScript modules (package data)."""

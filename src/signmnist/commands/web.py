"""`signmnist web`: build the offline static page into a folder (`web.site`)."""

from signmnist.web.site import web

__all__ = ["web"]

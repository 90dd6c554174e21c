"""The REST API under /api/ (token-authenticated) and its OpenAPI document."""

from .views import bp

__all__ = ["bp"]

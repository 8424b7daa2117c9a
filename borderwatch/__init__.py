"""borderwatch: open electronic monitoring for a fortified land border."""

__version__ = "0.1.0"
__all__ = ["__version__"]

"""healthintel: population-health analytics for England (JSNA chapters, national methods)."""

__version__ = "0.1.0"

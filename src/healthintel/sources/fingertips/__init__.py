"""OHID Fingertips: the API client (:mod:`.client`), its HTTP layer and on-disk cache (:mod:`.http`) and the
tidy schema every response is converted to (:mod:`.tidy`).

``from healthintel.sources.fingertips import FingertipsClient`` is the usual entry point.
"""

from __future__ import annotations

from .client import (  # noqa: F401  (the package's public names)
    COLUMNS,
    LEGACY_URL,
    NEXT_AREA_TYPES,
    FingertipsClient,
    FingertipsData,
    FingertipsStaleCacheWarning,
    default_cache_dir,
    indicator_data,
    provenance_table,
)
from .client import __all__  # noqa: F401

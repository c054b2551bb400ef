"""migsim: an agent-based model of seasonal labour migration into South Kazakhstan."""

__version__ = "0.1.0"

from migsim.model import MigrationModel

__all__ = ["MigrationModel", "__version__"]

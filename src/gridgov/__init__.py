"""gridgov: grid-based social service administration (网格化社会服务管理)."""

__version__ = "0.1.0"

from importlib.metadata import version as _v

__version__ = _v("zhengji")
__all__ = ["__version__"]

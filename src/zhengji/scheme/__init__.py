"""The assessment scheme: model, TOML loading and checking."""

from zhengji.scheme.load import dump_scheme, load_scheme, parse_scheme, scheme_fingerprint
from zhengji.scheme.model import Scheme

__all__ = ["Scheme", "dump_scheme", "load_scheme", "parse_scheme", "scheme_fingerprint"]

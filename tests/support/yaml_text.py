"""YAML text for fixtures, as a person writes it: no anchors or aliases.

PyYAML's default dumpers write an object met twice as ``&id001``/``*id001``; the service
refuses aliases (core.safe_yaml), so fixtures are dumped with every object written out.
"""

from __future__ import annotations

from typing import Any

import yaml


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def yaml_text(data: Any, *, sort_keys: bool = True) -> str:
    return yaml.dump(data, Dumper=_NoAliasDumper, sort_keys=sort_keys)

"""``--set SECTION.FIELD=VALUE`` settings: parsed into per-section dicts, then applied to a ModelConfig or a
TrainConfig as each field's own type (``trm.train`` and ``bench/train_step.py`` take them alike)."""

import dataclasses
import math

from trm.errors import ConfigError


def parse_settings(items: list[str]) -> tuple[dict, dict]:
    """({model field: text}, {train field: text}) from ``--set`` items; ConfigError for another form."""
    model, train = {}, {}
    for item in items:
        key, _, value = item.partition("=")
        section, _, name = key.partition(".")
        if section not in ("model", "train") or not name or not value:
            raise ConfigError(f"--set expects model.FIELD=VALUE or train.FIELD=VALUE, got {item!r}.")
        (model if section == "model" else train)[name] = value
    return model, train


def override_config(config, section: str, overrides: dict):
    """``config`` (a ModelConfig or TrainConfig) with ``overrides`` ({field: text}) parsed as each field's type;
    ConfigError for an unknown field or a value of another type."""
    names = {f.name: f for f in dataclasses.fields(config)}
    changes = {}
    for name, text in overrides.items():
        if name not in names:
            raise ConfigError(f"Unknown {section} field {name!r}; known: {', '.join(sorted(names))}.")
        changes[name] = _parse_value(f"{section}.{name}", text, getattr(config, name))
    return dataclasses.replace(config, **changes)


def _parse_value(field: str, text: str, current):
    """``text`` as the type of the field's current value; ConfigError for a value of another type or a NaN."""
    if isinstance(current, bool):
        if text.lower() not in ("1", "true", "yes", "0", "false", "no"):
            raise ConfigError(f"--set {field}={text}: expected true or false.")
        return text.lower() in ("1", "true", "yes")
    try:
        value = type(current)(text)
    except ValueError:
        raise ConfigError(f"--set {field}={text}: expected {type(current).__name__}, like {current!r}.") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"--set {field}={text}: expected a finite number.")
    return value

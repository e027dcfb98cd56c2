"""The model card's origin section for a converted checkpoint (trm.convert): the source file, its format and
sha256, its configuration, and every tensor's name there and here."""


def origin_section(origin: dict | None) -> list[str]:
    """Markdown lines, or [] for a model trained here."""
    if not origin:
        return []
    lines = ["## Where it came from", "",
             f"- Source file: `{origin.get('file', 'n/a')}` ({origin.get('format', 'n/a')} format"
             + (f", weights under `{origin['wrapper']}`" if origin.get("wrapper") else "") + ")",
             f"- sha256: `{origin.get('sha256', 'n/a')}`",
             f"- Weights: {origin.get('weights', 'n/a')}"]
    if origin.get("config_file"):
        lines.append(f"- Configuration: `{origin['config_file']}` (sha256 `{origin.get('config_sha256', 'n/a')}`)")
    if origin.get("loss_type"):
        lines.append(f"- Trained there with the answer loss `{origin['loss_type']}`")
    lines.append(f"- Converted with: `{origin.get('command', 'n/a')}`")
    settings = origin.get("settings") or {}
    if settings:
        lines += ["", "Its settings, as read: " + ", ".join(f"`{k}={v}`" for k, v in settings.items()) + "."]
    mapped = origin.get("mapped") or []
    if mapped:
        lines += ["", "| tensor there | tensor here | shape here |", "|---|---|---|"]
        lines += [f"| `{there}` | `{here}` | {' x '.join(map(str, shape))} |" for there, here, shape in mapped]
    return lines + [""]

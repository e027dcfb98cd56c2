"""Which answer loss a saved model was trained with, so its logits are read as probabilities the same way.

A model's confidences (the Solve page's shading, the cell inspector) are its answer probabilities; a model trained
with softmax cross-entropy makes softmax probabilities, the reference's with stable-max. The weights do not say
which, so the checkpoint's record of its training does. Folders that record nothing (older exports, the
reference's own stable-max models) read as stable-max, which every model before the softmax option was.
"""

import json
from pathlib import Path

from trm.model.act import ANSWER_LOSSES

DEFAULT_ANSWER_LOSS = "stablemax"


def trained_answer_loss(metadata: dict, folder: Path) -> str:
    """From, in order: the export's training record; the run's best/ record; a converted model's source config
    (loss_type "softmax_cross_entropy" in the reference's and nano-trm's terms); the run.json beside a run's
    best/ folder. Anything unreadable or unknown gives the default."""
    training = metadata.get("training") if isinstance(metadata.get("training"), dict) else {}
    converted = metadata.get("converted_from") if isinstance(metadata.get("converted_from"), dict) else {}
    for named in (training.get("answer_loss"), metadata.get("answer_loss"), _from_loss_type(converted.get("loss_type")),
                  _from_run_config(folder.parent / "run.json")):
        if named in ANSWER_LOSSES:
            return named
    return DEFAULT_ANSWER_LOSS


def _from_loss_type(loss_type: object) -> str | None:
    if not isinstance(loss_type, str):
        return None
    return "softmax" if "softmax" in loss_type else "stablemax" if "stablemax" in loss_type else None


def _from_run_config(path: Path) -> str | None:
    """A run's train.answer_loss, for its best/ folder saved before best/ recorded it itself."""
    try:
        train = json.loads(path.read_text()).get("train")
    except (OSError, ValueError, AttributeError):
        return None
    return train.get("answer_loss", DEFAULT_ANSWER_LOSS) if isinstance(train, dict) else None

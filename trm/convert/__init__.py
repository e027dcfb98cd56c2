"""Open other projects' TRM checkpoints as ours, and write ours in the reference's format.

``from_reference`` reads a reference-format checkpoint (SamsungSAILMontreal/TinyRecursiveModels' ``step_N`` with
its ``all_config.yaml``, or a fork's ``.pth``), ``from_nano_trm`` a nano-trm Lightning checkpoint, each into a
:class:`Converted` model; ``open_source`` picks by format and fetches ``hf:OWNER/REPO[/FILE]`` from the Hugging
Face Hub. ``write_converted`` saves a model as a checkpoint folder whose card says where it came from;
``write_reference`` goes the other way; ``copy_studio_checkpoint`` takes a TRM Studio checkpoint from elsewhere
as it is. Files are read with ``torch.load(weights_only=True)`` or as safetensors,
never fully unpickled.
"""

from trm.convert.convert import FORMATS, Converted, from_nano_trm, from_reference, open_source, write_converted
from trm.convert.studio_copy import copy_studio_checkpoint, studio_folder
from trm.convert.to_reference import reference_arch_section, write_reference

__all__ = ["FORMATS", "Converted", "copy_studio_checkpoint", "from_nano_trm", "from_reference", "open_source",
           "reference_arch_section", "studio_folder", "write_converted", "write_reference"]

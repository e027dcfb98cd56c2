"""Open other projects' TRM checkpoints as ours, and write ours in the reference's format.

``from_reference`` reads a reference-format checkpoint (SamsungSAILMontreal/TinyRecursiveModels' ``step_N`` with
its ``all_config.yaml``, or a fork's ``.pth``) into a :class:`Converted` model; ``write_converted`` saves it as a
checkpoint folder whose card says where it came from; ``write_reference`` goes the other way. Files are read
with ``torch.load(weights_only=True)`` or as safetensors, never fully unpickled.
"""

from trm.convert.convert import FORMATS, Converted, from_reference, write_converted
from trm.convert.to_reference import reference_arch_section, write_reference

__all__ = ["FORMATS", "Converted", "from_reference", "reference_arch_section", "write_converted",
           "write_reference"]

"""Training: source-only, AdaptSegNet warm-up, fine-tuning on partial labels, checkpoints, torchrun."""

from adeada.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from adeada.training.config import TrainConfig, WarmupConfig
from adeada.training.samples import IndexStream, TrainSamples
from adeada.training.discriminator import OutputSpaceDiscriminator
from adeada.training.supervised import finetune, labelled_indices, train_source_only
from adeada.training.warmup import warmup, warmup_adaptsegnet

__all__ = ["CheckpointError", "IndexStream", "OutputSpaceDiscriminator", "TrainConfig", "TrainSamples",
           "WarmupConfig", "finetune", "labelled_indices", "load_checkpoint",
           "save_checkpoint", "train_source_only", "warmup", "warmup_adaptsegnet"]

"""Datasets: one adapter per on-disk layout, the generated demo domains, class lists and id maps.

Every dataset follows the contract of docs/architecture.md: ``classes``, ``ignore_index``,
``name``, ``__len__``, ``image_id``, ``load_image``, ``load_label``, ``label_size``, ``cache_key``.
"""

from adeada.data.base import PairedFileDataset
from adeada.data.build import LAYOUTS, build_dataset
from adeada.data.camvid import CAMVID_PRESETS, CamVidDataset, camvid_preset
from adeada.data.cityscapes import CityscapesDataset
from adeada.data.classes import (
    CAMVID_CLASSES,
    CITYSCAPES19_TO_16,
    CITYSCAPES_CLASSES,
    CITYSCAPES_ID_TO_TRAINID,
    IGNORE_INDEX,
    SYNTHIA13_EVAL_CLASSES,
    SYNTHIA16_CLASSES,
    SYNTHIA16_EVAL_CLASSES,
    SYNTHIA_ID_TO_TRAINID16,
    remap_cityscapes19_to_16,
)
from adeada.data.config import (
    CamVidOptions, CityscapesOptions, DatasetConfig, DemoConfig, FolderOptions, GTA5Options, SynthiaOptions,
)
from adeada.data.demo import DemoDataset, DemoDomains, make_demo_domains
from adeada.data.demo_style import DEMO_CLASSES
from adeada.data.errors import (
    BadFileError,
    DatasetError,
    EmptyDatasetError,
    MissingFolderError,
    MissingLabelError,
    SizeMismatchError,
    UnknownLabelValueError,
)
from adeada.data.folder import FolderDataset
from adeada.data.gta5 import GTA5Dataset
from adeada.data.synthia import SynthiaDataset

__all__ = [
    "BadFileError", "CamVidOptions", "CityscapesOptions", "FolderOptions", "GTA5Options", "SynthiaOptions",
    "CAMVID_CLASSES", "CAMVID_PRESETS", "CITYSCAPES19_TO_16", "CITYSCAPES_CLASSES",
    "CITYSCAPES_ID_TO_TRAINID", "CamVidDataset", "CityscapesDataset", "DEMO_CLASSES",
    "DatasetConfig", "DatasetError", "DemoConfig", "DemoDataset", "DemoDomains",
    "EmptyDatasetError", "FolderDataset", "GTA5Dataset", "IGNORE_INDEX", "MissingFolderError",
    "MissingLabelError", "PairedFileDataset", "SYNTHIA13_EVAL_CLASSES", "SYNTHIA16_CLASSES",
    "SYNTHIA16_EVAL_CLASSES", "SYNTHIA_ID_TO_TRAINID16", "SizeMismatchError", "SynthiaDataset",
    "LAYOUTS", "UnknownLabelValueError", "build_dataset", "camvid_preset", "make_demo_domains",
    "remap_cityscapes19_to_16",
]

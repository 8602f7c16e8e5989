"""Exceptions raised by the dataset adapters.

Every error names the file (or folder) and the offending value, so that a user pointing adeada at
a new dataset can fix the data or the config without reading the code.
"""

from __future__ import annotations


class DatasetError(ValueError):
    """Base class of every dataset problem (bad layout, bad file, bad value)."""


class MissingFolderError(DatasetError, FileNotFoundError):
    """A folder the layout needs does not exist."""


class MissingLabelError(DatasetError, FileNotFoundError):
    """An image has no matching label file (or a list file names a file that is absent)."""


class EmptyDatasetError(DatasetError):
    """The layout was found but it holds no usable (image, label) pair."""


class SizeMismatchError(DatasetError):
    """An image and its label differ in size."""


class UnknownLabelValueError(DatasetError):
    """A label file holds a raw value that the class map does not know."""


class BadFileError(DatasetError):
    """A file exists but cannot be decoded, or has an unexpected mode/shape."""

"""The data layer: codebooks, readers, validation and the bundled data sets."""

from .codebook import Codebook, Item, Variable
from .datasets import Dataset, data_dir, list_datasets, load_dataset
from .readers import read_survey, read_table
from .survey import Provenance, Survey
from .validate import validate

__all__ = [
    "Codebook",
    "Item",
    "Variable",
    "Dataset",
    "list_datasets",
    "load_dataset",
    "read_survey",
    "read_table",
    "validate",
    "data_dir",
    "Provenance",
    "Survey",
]

"""cxstats: customer-experience statistics validated against R.

The public face of the package; everything else lives in its modules.
"""

from . import plots
from ._errors import CodebookError, CxStatsError, CxStatsWarning, DataValidationError
from .data import (
    Codebook,
    Dataset,
    Item,
    Variable,
    list_datasets,
    load_dataset,
    read_survey,
    read_table,
    validate,
)
from .moderation import ModerationResult, latent_interaction, moderation
from .nps import NPSResult, nps, nps_difference, top_box
from .index import IndexResult, satisfaction_index
from .reliability import ReliabilityResult, ValidityResult, reliability, validity
from .drivers import (
    CollinearityWarning,
    DriverResult,
    ImportanceResult,
    IPMAResult,
    driver_regression,
    importance_performance,
    relative_importance,
)
from .asymmetry import AsymmetryResult, penalty_reward, piecewise_effects
from .describe import describe_datasets, describe_items, describe_transactions, group_sizes
from .simulate import SimulatedPanel, simulate_cx_panel

__version__ = "0.1.0"

__all__ = [
    "AsymmetryResult",
    "Codebook",
    "CollinearityWarning",
    "CodebookError",
    "CxStatsError",
    "CxStatsWarning",
    "DataValidationError",
    "Dataset",
    "DriverResult",
    "ImportanceResult",
    "IndexResult",
    "IPMAResult",
    "Item",
    "ModerationResult",
    "NPSResult",
    "ReliabilityResult",
    "SimulatedPanel",
    "ValidityResult",
    "Variable",
    "describe_datasets",
    "describe_items",
    "describe_transactions",
    "driver_regression",
    "group_sizes",
    "importance_performance",
    "latent_interaction",
    "list_datasets",
    "load_dataset",
    "moderation",
    "nps",
    "nps_difference",
    "penalty_reward",
    "piecewise_effects",
    "plots",
    "read_survey",
    "read_table",
    "reliability",
    "relative_importance",
    "satisfaction_index",
    "simulate_cx_panel",
    "top_box",
    "validate",
    "validity",
    "__version__",
]

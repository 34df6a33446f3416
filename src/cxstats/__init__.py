"""cxstats: customer-experience statistics validated against R.

The public face of the package; everything else lives in its modules.
"""

from . import formatting, plots
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
from .index import IndexResult, SmallGroupWarning, satisfaction_index
from .reliability import ReliabilityResult, ReverseCodingWarning, ValidityResult, reliability, scale_scores, validity
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
from .retention import (
    CoxResult,
    KaplanMeierResult,
    NoEventsWarning,
    PartialPeriodWarning,
    PeriodRatesResult,
    churn_model,
    cox_model,
    kaplan_meier,
    period_rates,
)
from .claims import ClaimResult, parse_claim, test_claim
from .rfm import DuplicateTransactionsWarning, PurchaseSummary, RFMResult, purchase_summary, rfm
from .loyalty import LoyaltyResult, loyalty_index
from .lifecycle import lifecycle_stages
from .data import Provenance, Survey, data_dir
from ._export import export
from .clv import (
    BGNBDResult,
    CalibrationHoldout,
    CLVConvergenceWarning,
    CLVSummary,
    GammaGammaResult,
    HoldoutValidation,
    LifetimeValueResult,
    ParetoNBDResult,
    SpendFrequencyCorrelationWarning,
    bgnbd,
    calibration_holdout,
    clv_summary,
    gamma_gamma,
    holdout_validation,
    lifetime_value,
    pareto_nbd,
)
from .simulate_waves import SimulatedWaves, simulate_cx_waves
from .ordinal import PolychoricResult, polychoric
from .sem.ordinal_moments import CorrelationNearOneWarning, OrdinalDataError, PolychoricConvergenceWarning
from ._moments import Moments, MomentsError, moments
from .simulate_parquet import write_panel_parquet

__version__ = "0.1.0"

__all__ = [
    "formatting",
    "AsymmetryResult",
    "churn_model",
    "ClaimResult",
    "Codebook",
    "CodebookError",
    "CollinearityWarning",
    "cox_model",
    "CoxResult",
    "CxStatsError",
    "CxStatsWarning",
    "Dataset",
    "DataValidationError",
    "DuplicateTransactionsWarning",
    "describe_datasets",
    "describe_items",
    "describe_transactions",
    "driver_regression",
    "DriverResult",
    "group_sizes",
    "importance_performance",
    "ImportanceResult",
    "IndexResult",
    "IPMAResult",
    "Item",
    "kaplan_meier",
    "KaplanMeierResult",
    "latent_interaction",
    "list_datasets",
    "load_dataset",
    "loyalty_index",
    "LoyaltyResult",
    "moderation",
    "ModerationResult",
    "NoEventsWarning",
    "nps",
    "nps_difference",
    "NPSResult",
    "parse_claim",
    "PartialPeriodWarning",
    "penalty_reward",
    "period_rates",
    "PeriodRatesResult",
    "piecewise_effects",
    "plots",
    "purchase_summary",
    "PurchaseSummary",
    "read_survey",
    "read_table",
    "relative_importance",
    "reliability",
    "ReliabilityResult",
    "ReverseCodingWarning",
    "rfm",
    "RFMResult",
    "satisfaction_index",
    "scale_scores",
    "simulate_cx_panel",
    "SmallGroupWarning",
    "SimulatedPanel",
    "test_claim",
    "top_box",
    "validate",
    "validity",
    "ValidityResult",
    "Variable",
    "lifecycle_stages",
    "__version__",
    "data_dir",
    "Provenance",
    "Survey",
    "export",
    "bgnbd",
    "BGNBDResult",
    "calibration_holdout",
    "CalibrationHoldout",
    "CLVConvergenceWarning",
    "clv_summary",
    "CLVSummary",
    "gamma_gamma",
    "GammaGammaResult",
    "holdout_validation",
    "HoldoutValidation",
    "lifetime_value",
    "LifetimeValueResult",
    "SpendFrequencyCorrelationWarning",
    "pareto_nbd",
    "ParetoNBDResult",
    "simulate_cx_waves",
    "SimulatedWaves",
    "polychoric",
    "PolychoricResult",
    "OrdinalDataError",
    "PolychoricConvergenceWarning",
    "CorrelationNearOneWarning",
    "moments",
    "Moments",
    "MomentsError",
    "write_panel_parquet",
]

"""Declarations of the TeamRules paper's three datasets (Heart, FICO HELOC, IBM HR).

Each is a :class:`~hmlsim.data.spec.DatasetSpec`: the target as the paper
binarises it, the columns it drops, the split fractions that reproduce the
paper's row counts, and the group conditions its simulated experts use.

Group conditions follow ``SPEC.md`` part B. Two notes on thresholds:

- heart ``age_lt_50`` is ``age < 50`` as the paper states and is the default
  decision group; the released code thresholds a quantile indicator, which is
  ``age <= 50`` (34.5% of rows instead of 31.7%), declared as ``age_le_50``
  for those who want the released code's group; ``elderly`` is ``age >= 54``
  (the released code's ``age54.0`` indicator, the median age), used by the
  Table-4 expert;
- FICO's groups use ``NumSatisfactoryTrades < 24`` and
  ``ExternalRiskEstimate < 65`` as stated in the paper's appendix.
"""

from __future__ import annotations

from hmlsim.data.spec import DatasetSpec, GroupCondition

HEART = DatasetSpec(
    name="heart",
    target_column="num",
    positive_value=(">", 0),
    drop_columns=("id", "dataset"),
    missing_zero_columns=("chol", "trestbps"),
    split_fractions=(0.08, 0.15, 0.12, 0.20),
    group_conditions={
        "age_lt_50": GroupCondition("age", "<", 50),
        "age_le_50": GroupCondition("age", "<=", 50),
        "elderly": GroupCondition("age", ">=", 54),
        "male": GroupCondition("sex", "==", "Male"),
        "female": GroupCondition("sex", "==", "Female"),
        "elderly_male": (GroupCondition("age", ">=", 54), GroupCondition("sex", "==", "Male")),
    },
    file="heart_disease_uci.csv",
    path_env="HMLSIM_HEART_PATH",
    difficulty_threshold=0.6,
    decision_group="age_lt_50",
    confidence_group="male",
    description="UCI Heart Disease, four sites (920 rows); positive: num > 0",
)

FICO = DatasetSpec(
    name="fico",
    target_column="RiskPerformance",
    positive_value="Bad",
    special_values=(-7, -8, -9),
    split_fractions=(0.10, 0.15, 0.10, 0.15),
    group_conditions={
        "num_satisfactory_trades_lt_24": GroupCondition("NumSatisfactoryTrades", "<", 24),
        "external_risk_lt_65": GroupCondition("ExternalRiskEstimate", "<", 65),
    },
    file=None,
    path_env="HMLSIM_FICO_PATH",
    difficulty_threshold=0.3,
    decision_group="num_satisfactory_trades_lt_24",
    confidence_group="external_risk_lt_65",
    description="FICO HELOC (10,459 rows); positive: RiskPerformance == 'Bad'",
)

HR = DatasetSpec(
    name="hr",
    target_column="Attrition",
    positive_value="Yes",
    drop_columns=("EmployeeCount", "EmployeeNumber", "Over18", "StandardHours"),
    split_fractions=(0.10, 0.15, 0.05, 0.20),
    group_conditions={
        "age_gt_32": GroupCondition("Age", ">", 32),
        "male": GroupCondition("Gender", "==", "Male"),
        "female": GroupCondition("Gender", "==", "Female"),
    },
    file="WA_HR_Attrition_TR_subset_980.csv",
    path_env="HMLSIM_HR_PATH",
    difficulty_threshold=0.8,
    decision_group="age_gt_32",
    confidence_group="male",
    description="IBM HR attrition, the paper's 980-row subset; positive: Attrition == 'Yes'",
)

BUILTIN: dict[str, DatasetSpec] = {spec.name: spec for spec in (HEART, FICO, HR)}

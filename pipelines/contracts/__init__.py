"""Data contracts, one module per dataset. The register comes first: every other dataset
resolves its institute column against it."""
from pipelines.contracts import (
    institutes,
    ip_items,
    project_counts,
    staff,
    standards,
    targets,
    volunteer_hours,
)
from pipelines.contracts.base import Column, Contract, Rule

CONTRACTS: dict[str, Contract] = {
    m.CONTRACT.dataset: m.CONTRACT
    for m in (institutes, staff, project_counts, ip_items, standards, volunteer_hours, targets)
}

__all__ = ["CONTRACTS", "Column", "Contract", "Rule"]

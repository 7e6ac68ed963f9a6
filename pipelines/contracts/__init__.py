"""Data contracts, one module per dataset. The registers come first: every other dataset resolves its
institute column against the institutes register and its unit column against the units register."""
from pipelines.contracts import (
    awards,
    institutes,
    ip_items,
    papers,
    project_counts,
    staff,
    standards,
    talent_titles,
    targets,
    units,
    volunteer_hours,
)
from pipelines.contracts.base import Column, Contract, Rule

CONTRACTS: dict[str, Contract] = {
    m.CONTRACT.dataset: m.CONTRACT
    for m in (institutes, units, staff, project_counts, ip_items, standards, volunteer_hours, awards, papers,
              talent_titles, targets)
}

__all__ = ["CONTRACTS", "Column", "Contract", "Rule"]

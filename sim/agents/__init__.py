"""The four agent types, one module each."""

from migsim.agents.employer import Employer
from migsim.agents.legal_center import LegalCenter
from migsim.agents.migrant import Group, Migrant
from migsim.agents.police import PoliceUnit

__all__ = ["Employer", "Group", "LegalCenter", "Migrant", "PoliceUnit"]

"""The four agent types, one module each."""

from sim.agents.employer import Employer
from sim.agents.legal_center import LegalCenter
from sim.agents.migrant import Group, Migrant
from sim.agents.police import PoliceUnit

__all__ = ["Employer", "Group", "LegalCenter", "Migrant", "PoliceUnit"]

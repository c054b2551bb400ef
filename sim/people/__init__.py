"""The migrants' state, one owner per array.

Each class here holds some of the per-person arrays (indexed by a person's slot)
and is the only code that writes them, through named verbs: ``Population`` (who
and where), ``Papers`` (registration, passport, amnesty card), ``Wallets`` (cash
and wage claims), ``Jobs`` (who works for whom), ``PoliceRecords`` (offences,
detention, bans). The decisions that call these verbs live with the agents
(``sim/agents``); everyone else only reads.
"""

from migsim.people.book import FAR, NEVER, PersonBook

__all__ = ["FAR", "NEVER", "PersonBook"]

import pytest

from migsim import MigrationModel
from migsim.scenario import BASELINE


@pytest.fixture(scope="session")
def baseline_run():
    """One reduced-scale baseline year, shared by tests that only read it."""
    model = MigrationModel(BASELINE, scale=10, rng=7)
    model.run()
    return model, model.timeseries()


@pytest.fixture
def baseline_text():
    return BASELINE.read_text(encoding="utf-8")

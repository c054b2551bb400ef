"""A service capacity in people, spent on whole agents (sim/capacity.py)."""

from hypothesis import given
from hypothesis import strategies as st

from migsim.capacity import ServiceCapacity


@given(per_day=st.floats(0.1, 50.0), scale=st.sampled_from([1, 5, 10, 20]), days=st.integers(30, 400))
def test_a_busy_service_serves_its_capacity_in_people_at_any_scale(per_day, scale, days):
    service = ServiceCapacity(per_day, scale)
    people = scale * sum(service.serve(10**6) for _ in range(days))
    # whole agents: at most one agent's people ahead of the capacity, and one behind
    assert per_day * days - scale <= people <= per_day * days + scale


def test_capacity_left_with_nobody_waiting_lapses():
    service = ServiceCapacity(5.0, 1)
    assert [service.serve(0) for _ in range(10)] == [0] * 10
    assert service.serve(100) == 5  # not the 55 of ten idle days saved up


def test_an_agent_keeps_a_coarse_service_busy_for_as_long_as_its_people_take():
    service = ServiceCapacity(5.0, 20)  # an agent of 20 people takes 4 days
    assert [service.serve(3) for _ in range(8)] == [1, 0, 0, 0, 1, 0, 0, 0]
    idle = ServiceCapacity(5.0, 20)
    assert idle.serve(0) == 0 and idle.serve(1) == 1  # served on arrival when the service is free

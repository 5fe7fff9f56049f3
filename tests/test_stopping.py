"""Stop signals are recorded as well as raised, so a stop whose exception Python dropped still stops."""

import gc
import os
import signal

import pytest

from kamlib.execution.stopping import StopSignals, Terminated


def test_a_stop_signal_raises_and_stays_recorded_then_the_old_handlers_return():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    stops = StopSignals()
    with pytest.raises(KeyboardInterrupt), stops.installed():
        os.kill(os.getpid(), signal.SIGINT)
    assert stops.requested and stops.received == [signal.SIGINT]
    with pytest.raises(KeyboardInterrupt):
        stops.check()
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_sigterm_is_a_terminated_stop():
    stops = StopSignals()
    with pytest.raises(Terminated), stops.installed():
        os.kill(os.getpid(), signal.SIGTERM)
    with pytest.raises(Terminated):
        stops.check()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the dropped interrupt, on purpose
def test_a_stop_whose_exception_a_finaliser_swallowed_is_still_noticed():
    """Python drops an exception raised in `__del__` ("Exception ignored in"): the interrupt is lost
    there, but `check()` raises it again."""
    class Finalised:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(1000))  # the handler runs here, inside the finaliser

    stops = StopSignals()
    with stops.installed():
        Finalised()
        gc.collect()
        assert stops.requested  # the exception itself went nowhere: we are still running
        with pytest.raises(KeyboardInterrupt):
            stops.check()


def test_nothing_is_recorded_without_a_signal():
    stops = StopSignals()
    with stops.installed():
        stops.check()
    assert not stops.requested

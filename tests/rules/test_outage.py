"""The outage tactic through the engine (`Picture`): the adversary waits for the camera that
watches a stretch of berm to go down, walks in across the beams of the radars still working
and crawls over under their Doppler floor. The radar "works" and cannot see him; the far
tower's camera "covers" the stretch and cannot tell what it sees there. A fibre trigger on a
stretch whose watchers (the cameras that recognise a person there) are out while the radar
beside them works alerts alone, unconfirmed, whatever its own label says
(`[rules.line_breach] outage_threat_min`); with the tower's radar out too, a jackal is as
likely, and the fibre's evidence must say person as on any degraded stretch."""

from __future__ import annotations

import pytest

from borderwatch.geo import load_border
from borderwatch.messages import ClassLikelihood
from borderwatch.rules.config import Sensors
from borderwatch.rules.coverage import BermCoverage

from .test_degraded import (
    FIBRE_PERSON,
    FIBRE_UNKNOWN,
    LAYOUT,
    LINE,
    NEAR_T07,
    UNWATCHED,
    Feed,
    config,
    fibre,
)

# What the twin's fibre reports when it labels a trigger "animal" (its confusion column): a
# crawler is labelled so one time in four.
FIBRE_ANIMAL = ClassLikelihood(person=0.25, vehicle=0.05, animal=0.45, unknown=0.25)
# Km 1 of N04: T07's radar and camera reach it, its camera too far to recognise a person.
FAR_FROM_T07 = 1000.0


def _animal(feed: Feed, t: float, along: float) -> None:
    fibre(feed, t, along, FIBRE_ANIMAL)


def test_the_watchers_of_a_stretch_are_the_cameras_that_recognise_a_person_there() -> None:
    cov = BermCoverage(LAYOUT, load_border(), Sensors())
    near = cov.stretch_at(*LINE.interpolate(NEAR_T07).coords[0])
    assert near is not None
    # T07's radar and T08's camera confirm here by the layout; only T07's camera would see a
    # crawler: the radar is Doppler-blind to him, T08's camera 9 km off cannot class him.
    assert {"T07-R", "T08-C"} <= set(near.confirmers)
    assert near.watchers == ("T07-C",)
    assert near.near_radars == ("T07-R",)
    far = cov.stretch_at(*LINE.interpolate(FAR_FROM_T07).coords[0])
    assert far is not None
    assert far.watchers == ()
    assert "T07-C" in far.confirmers
    blind = cov.stretch_at(*LINE.interpolate(UNWATCHED).coords[0])
    assert blind is not None
    assert blind.watchers == ()


@pytest.mark.parametrize("how", ["reported down", "silent"])
def test_a_trigger_where_the_watching_camera_is_out_alerts_whatever_its_label(how: str) -> None:
    feed = Feed()
    feed.heartbeats(0.0, 100.0)
    if how == "reported down":
        feed.heartbeats(100.0, 400.0, down=("T07-C",))
    else:
        feed.heartbeats(100.0, 400.0, quiet=("T07-C",))
    _animal(feed, 390.0, NEAR_T07)  # one trigger, labelled "animal", the radar still up
    (alert,) = feed.line_alerts()
    assert alert.priority == 2
    assert "unconfirmed: coverage degraded" in alert.summary
    assert alert.evidence[0].startswith("LS-N04/")
    # The fibre firing again as they climb is the same breach.
    fibre(feed, 400.0, NEAR_T07 + 40.0, FIBRE_UNKNOWN)
    assert len(list(feed.line_alerts())) == 1


def test_with_the_camera_up_the_same_trigger_waits_for_a_confirmation() -> None:
    feed = Feed()
    feed.heartbeats(0.0, 400.0)
    _animal(feed, 390.0, NEAR_T07)
    feed.heartbeats(400.0, 600.0)
    assert list(feed.line_alerts()) == []


def test_a_camera_that_never_reported_is_unknown_not_out() -> None:
    """A sector not fielded, or a twin run on another one: nothing was lost there."""
    feed = Feed()
    feed.heartbeats(0.0, 400.0, quiet=("T07-C",))
    _animal(feed, 390.0, NEAR_T07)
    feed.heartbeats(400.0, 600.0, quiet=("T07-C",))
    assert list(feed.line_alerts()) == []


def test_a_far_camera_down_leaves_the_stretch_to_its_confirmers() -> None:
    """Where the camera is too far to recognise a person, its outage takes nothing away."""
    feed = Feed()
    feed.heartbeats(0.0, 100.0)
    feed.heartbeats(100.0, 400.0, down=("T07-C",))
    _animal(feed, 390.0, FAR_FROM_T07)
    feed.heartbeats(400.0, 600.0, down=("T07-C",))
    assert list(feed.line_alerts()) == []


def test_outage_threat_min_sets_what_the_triggers_must_say() -> None:
    for bar, expected in ((0.0, 1), (0.5, 0), (0.6, 0)):
        feed = Feed(config(outage_threat_min=bar))
        feed.heartbeats(0.0, 100.0)
        feed.heartbeats(100.0, 400.0, down=("T07-C",))
        fibre(feed, 390.0, NEAR_T07, FIBRE_UNKNOWN)
        assert len(list(feed.line_alerts())) == expected, bar
    # At 0.5 one "person" label is enough (0.545); at 0.6 it takes two.
    feed = Feed(config(outage_threat_min=0.5))
    feed.heartbeats(0.0, 100.0)
    feed.heartbeats(100.0, 400.0, down=("T07-C",))
    fibre(feed, 390.0, NEAR_T07, FIBRE_PERSON)
    assert len(list(feed.line_alerts())) == 1


def test_degraded_mode_off_turns_the_outage_rule_off_too() -> None:
    feed = Feed(config(degraded_mode=False))
    feed.heartbeats(0.0, 100.0)
    feed.heartbeats(100.0, 400.0, down=("T07-C",))
    _animal(feed, 390.0, NEAR_T07)
    feed.heartbeats(400.0, 600.0, down=("T07-C",))
    assert list(feed.line_alerts()) == []


def test_with_the_towers_radar_out_too_the_label_must_say_person() -> None:
    tower = ("T07-R", "T07-C")
    for t08, label, expected in (
        ((), FIBRE_PERSON, 0),  # T08 still confirms: no alert yet, as before
        (("T08-R", "T08-C"), FIBRE_UNKNOWN, 0),  # degraded: the evidence bar (0.21)
        (("T08-R", "T08-C"), FIBRE_PERSON, 0),  # one "person" (0.545) is not enough
    ):
        feed = Feed()
        feed.heartbeats(0.0, 100.0)
        feed.heartbeats(100.0, 400.0, down=tower, quiet=t08)
        fibre(feed, 390.0, NEAR_T07, label)
        feed.heartbeats(400.0, 450.0, down=tower, quiet=t08)
        assert len(list(feed.line_alerts())) == expected, (t08, label)

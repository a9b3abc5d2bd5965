"""The database's sums for the trends page (a step's red and yellow days, step completions) against pandas
replaying every step from the audit trail: the same KPIs on the hand-checked March fixture and on the demo plant,
under both colour rules, for every filter the page offers."""
from datetime import timedelta

import pandas as pd
import pytest

from qr import rules, store, trend_reading, trends
from qr.config import load_settings
from tests.trends_fixture import d


def _replayed_everywhere(period: trends.Period, chosen: trends.TrendsFilter, rule: rules.ColourRule) -> trends.Trends:
    """Every step of every issue read and replayed in pandas: the way the KPIs were computed before the sums."""
    completions, _ = trend_reading.sums(period, chosen, rule)
    settings = store.board_settings()
    return trends.compute(store.trends_issues(), store.trends_steps(), store.trends_history(), period, chosen,
                          tz=load_settings().tz, ladders=settings.escalation_ladders, completions=completions,
                          colour_rule=rule)


def _use(rule: rules.ColourRule) -> None:
    if store.board_settings().colour_rule != rule.value:
        store.configure(actor_id=None, key="colour_rule", value=rule.value)


def _assert_same(period: trends.Period, chosen: trends.TrendsFilter, rule: rules.ColourRule) -> trends.Trends:
    _use(rule)
    summed = trend_reading.kpis(period, chosen)
    replayed = _replayed_everywhere(period, chosen, rule)
    for name in ("opened_closed", "ageing", "days_red_yellow", "days_open", "escalated", "repeats"):
        pd.testing.assert_frame_equal(getattr(summed, name), getattr(replayed, name), obj=f"{name} {rule} {chosen}")
    for dimension, frame in summed.breakdowns.items():
        pd.testing.assert_frame_equal(frame, replayed.breakdowns[dimension], obj=f"{dimension} {rule} {chosen}")
    return summed


@pytest.mark.parametrize("rule", list(rules.ColourRule))
def test_the_march_fixture_sums_as_pandas_replays_it(march_plant, rule):
    march = trends.period_for(d(3, 2), d(3, 29), today=d(11, 23))
    summed = _assert_same(march, trends.TrendsFilter(), rule)
    database_days = trend_reading.sums(march, trends.TrendsFilter(), rule)[1]
    assert database_days[["days_red", "days_yellow"]].to_numpy().sum() > 0      # the database did sum steps
    steps = store.trends_steps(since=march.since, on=march.on, rule=rule)
    assert steps["replayed"].sum() < len(store.trends_steps())                  # and pandas replays fewer
    assert summed.days_red_yellow["days_red"].sum() > 0


@pytest.fixture
def demo_plant(demo_copy):
    demo_copy()
    return store.reference_lists()


@pytest.mark.parametrize("rule", list(rules.ColourRule))
def test_the_demo_plant_sums_as_pandas_replays_it_for_every_filter(demo_plant, rule):
    """The demo's issues were played through the store: targets moved, steps set N/A or marked red, issues closed,
    reopened and cancelled."""
    today = store.today()
    periods = [trends.default_period(today), trends.period_for(today - timedelta(days=120), today - timedelta(days=30),
                                                               today)]
    areas, people = demo_plant["areas"], demo_plant["people"]
    categories = [c for c in demo_plant["categories"] if c.parent_id is None]
    filters = [trends.TrendsFilter(), trends.TrendsFilter(area_id=areas[0].id), trends.TrendsFilter(severity="A"),
               trends.TrendsFilter(category_id=categories[0].id), trends.TrendsFilter(owner_id=people[0].id),
               trends.TrendsFilter(plant_id=areas[0].plant_id, severity="B")]
    for period in periods:
        for chosen in filters:
            _assert_same(period, chosen, rule)
    assert (store.trends_history()["field"] == "target_on").any()                     # the story has both
    assert store.trends_steps()["set_na_at"].notna().any()


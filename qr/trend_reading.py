"""The trends KPIs read from the store and computed: one way for the page, the weekly pack, the benchmark and the
tests. The frames do not depend on the filters (a page caches them per change); the database's sums do."""
import pandas as pd

from qr import rules, store, trends


def frames(period: trends.Period, rule: rules.ColourRule) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Issues, the steps pandas must see (running on `on`, or replayed) and the history, for any filter."""
    return (store.trends_issues(since=period.since), store.trends_steps(since=period.since, on=period.on, rule=rule),
            store.trends_history(since=period.since))


def sums(period: trends.Period, chosen: trends.TrendsFilter,
         rule: rules.ColourRule) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The step completions and the days of the steps not replayed, summed by the database for the filter's
    category, severity and owner (per plant and area: those two are chosen afterwards)."""
    narrowed = {"category_id": chosen.category_id, "severity": chosen.severity, "owner_id": chosen.owner_id}
    return (store.trends_completions(start=period.start, on=period.on, **narrowed),
            store.trends_step_days(since=period.since, on=period.on, months=period.months, rule=rule, **narrowed))


def kpis(period: trends.Period, chosen: trends.TrendsFilter, *, read_frames=frames, read_sums=sums) -> trends.Trends:
    """Every KPI of the period for the filter, with the plant's settings; `read_frames` and `read_sums` may be
    a page's cached readers of the same."""
    settings = store.board_settings()
    rule = rules.ColourRule(settings.colour_rule)
    issues, steps, history = read_frames(period, rule)
    completions, step_days = read_sums(period, chosen, rule)
    return trends.compute(issues, steps, history, period, chosen, tz=settings.tz, ladders=settings.escalation_ladders,
                          completions=completions, step_days=step_days,
                          attendance=store.meeting_attendance_frame(start=period.start, end=period.end,
                                                                    plant_id=chosen.plant_id),
                          clocks=store.trends_clocks(since=period.since), now=store.now(),
                          follow_ups=store.trends_follow_ups(since=period.since),
                          follow_up_share=settings.follow_up_share, colour_rule=rule)


def plant_comparison(period: trends.Period, chosen: trends.TrendsFilter, plants: list[dict], *, read_frames=frames,
                     read_sums=sums) -> pd.DataFrame:
    """The main KPIs per plant (qr.trends.compare_plants), read as `kpis` reads them."""
    settings = store.board_settings()
    rule = rules.ColourRule(settings.colour_rule)
    issues, steps, history = read_frames(period, rule)
    completions, _ = read_sums(period, chosen, rule)
    return trends.compare_plants(issues, steps, history, period, chosen, plants, tz=settings.tz,
                                 completions=completions, colour_rule=rule)

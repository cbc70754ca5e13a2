//! The synced-vs-failed chart as SVG geometry, computed here and drawn by
//! `templates/dashboard/_chart.html`: no JavaScript, no inline styles (the CSP forbids them).
//! Readable without colour: synced and failed are two labelled tracks, failed bars are
//! hatched, every bar has a text tooltip, and a table gives the same numbers per day.

use chrono::{Datelike, Duration, Timelike};

use ferry_domain::dashboard::overview::HourBucket;

const BAR: f64 = 5.0;
const LEFT: f64 = 56.0;
const TOP_LABEL: f64 = 14.0;
const SYNCED_H: f64 = 70.0;
const AXIS_H: f64 = 18.0;
const FAILED_H: f64 = 40.0;

pub struct Bar {
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    pub label: String,
}

pub struct DayMark {
    pub x: String,
    pub label: String,
}

pub struct DayRow {
    pub day: String,
    pub synced: i64,
    pub failed: i64,
}

pub struct Chart {
    /// Unique within the page (pattern ids).
    pub id: String,
    pub width: String,
    pub height: String,
    pub left: String,
    pub right: String,
    pub synced_top: String,
    pub synced_base: String,
    pub failed_top: String,
    pub failed_bottom: String,
    pub axis_text_y: String,
    pub synced: Vec<Bar>,
    pub failed: Vec<Bar>,
    pub days: Vec<DayMark>,
    pub max_synced: i64,
    pub max_failed: i64,
    pub total_synced: i64,
    pub total_failed: i64,
    pub per_day: Vec<DayRow>,
    pub empty: bool,
    /// The chart in one sentence, for screen readers.
    pub summary: String,
}

fn n(v: f64) -> String {
    format!("{v:.1}")
}

impl Chart {
    pub fn new(id: impl Into<String>, hours: &[HourBucket]) -> Self {
        let max_synced = hours.iter().map(|h| h.synced).max().unwrap_or(0);
        let max_failed = hours.iter().map(|h| h.failed).max().unwrap_or(0);
        let total_synced: i64 = hours.iter().map(|h| h.synced).sum();
        let total_failed: i64 = hours.iter().map(|h| h.failed).sum();
        let synced_base = TOP_LABEL + SYNCED_H;
        let failed_top = synced_base + AXIS_H;
        let label = |h: &HourBucket, what: &str, v: i64| {
            format!("{} UTC: {v} {what}", h.start.format("%a %d %b %H:00"))
        };
        let mut synced = Vec::new();
        let mut failed = Vec::new();
        let mut days = Vec::new();
        let mut per_day: Vec<DayRow> = Vec::new();
        for (i, h) in hours.iter().enumerate() {
            let x = LEFT + i as f64 * BAR;
            if h.synced > 0 {
                // At least 1px so a single record shows.
                let height = (h.synced as f64 / max_synced.max(1) as f64 * SYNCED_H).max(1.0);
                synced.push(Bar {
                    x: n(x),
                    y: n(synced_base - height),
                    w: n(BAR - 1.0),
                    h: n(height),
                    label: label(h, "synced", h.synced),
                });
            }
            if h.failed > 0 {
                let height = (h.failed as f64 / max_failed.max(1) as f64 * FAILED_H).max(1.0);
                failed.push(Bar {
                    x: n(x),
                    y: n(failed_top),
                    w: n(BAR - 1.0),
                    h: n(height),
                    label: label(h, "failed", h.failed),
                });
            }
            if h.start.hour() == 0 || i == 0 {
                days.push(DayMark {
                    x: n(x),
                    label: h.start.format("%a %d").to_string(),
                });
            }
            let day = h.start.format("%a %d %b").to_string();
            match per_day.last_mut() {
                Some(row) if row.day == day => {
                    row.synced += h.synced;
                    row.failed += h.failed;
                }
                _ => per_day.push(DayRow {
                    day,
                    synced: h.synced,
                    failed: h.failed,
                }),
            }
        }
        // A day mark too close to the first one would overlap it.
        if days.len() > 1
            && let (Some(first), Some(second)) = (hours.first(), days.get(1))
            && second.x.parse::<f64>().unwrap_or(0.0) - LEFT < 40.0
            && first.start.hour() != 0
        {
            days.remove(0);
        }
        let width = LEFT + hours.len() as f64 * BAR + 4.0;
        let span = match (hours.first(), hours.last()) {
            (Some(a), Some(b)) => format!(
                "from {} to {}",
                a.start.format("%d %b %H:00"),
                (b.start + Duration::hours(1)).format("%d %b %H:00 UTC")
            ),
            _ => String::new(),
        };
        let _ = hours.first().map(|h| h.start.weekday());
        Self {
            id: id.into(),
            width: n(width),
            height: n(failed_top + FAILED_H + 2.0),
            left: n(LEFT),
            right: n(width - 4.0),
            synced_top: n(TOP_LABEL),
            synced_base: n(synced_base),
            failed_top: n(failed_top),
            failed_bottom: n(failed_top + FAILED_H),
            axis_text_y: n(synced_base + 13.0),
            summary: format!(
                "Records synced and failed per hour {span}: {total_synced} synced (at most {max_synced} in an hour), {total_failed} failed (at most {max_failed} in an hour)."
            ),
            empty: total_synced == 0 && total_failed == 0,
            synced,
            failed,
            days,
            max_synced,
            max_failed,
            total_synced,
            total_failed,
            per_day,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn bars_scale_to_the_busiest_hour_and_days_are_marked() {
        let start = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
        let hours: Vec<HourBucket> = (0..48)
            .map(|i| HourBucket {
                start: start + Duration::hours(i),
                synced: if i == 3 {
                    10
                } else if i == 4 {
                    5
                } else {
                    0
                },
                failed: if i == 30 { 2 } else { 0 },
            })
            .collect();
        let c = Chart::new("c", &hours);
        assert_eq!(c.synced.len(), 2);
        assert_eq!(c.synced[0].h, "70.0");
        assert_eq!(c.synced[1].h, "35.0");
        assert_eq!(c.failed.len(), 1);
        assert!(c.failed[0].label.contains("2 failed"));
        assert_eq!(c.days.len(), 2);
        assert_eq!(c.per_day.len(), 2);
        assert_eq!(c.per_day[0].synced, 15);
        assert_eq!(c.per_day[1].failed, 2);
        assert!(!c.empty);
        assert!(c.summary.contains("15 synced"));
    }
}

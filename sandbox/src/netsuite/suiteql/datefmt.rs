//! Oracle date format models (`'YYYY-MM-DD"T"HH24:MI:SS'`) for `TO_CHAR`, `TO_DATE` and the
//! account's date-format preference.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

/// One element of a format model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FmtItem {
    Year4,
    Year2,
    Month,
    MonthAbbrev,
    Day,
    Hour24,
    Hour12,
    Minute,
    Second,
    Meridian,
    /// Punctuation or `"quoted text"`, copied as is.
    Literal(String),
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// Parses a format model; unknown elements are an error, as in Oracle (ORA-01821).
pub fn parse_format(model: &str) -> Result<Vec<FmtItem>, String> {
    let chars: Vec<char> = model.chars().collect();
    let upper: Vec<char> = model.to_uppercase().chars().collect();
    if upper.len() != chars.len() {
        return Err(format!("date format not recognized: {model}"));
    }
    let mut items = Vec::new();
    let mut i = 0;
    let starts = |i: usize, s: &str| -> bool {
        s.chars()
            .enumerate()
            .all(|(k, c)| upper.get(i + k) == Some(&c))
    };
    while i < chars.len() {
        let c = chars[i];
        let (item, len) = if starts(i, "YYYY") {
            (FmtItem::Year4, 4)
        } else if starts(i, "YY") {
            (FmtItem::Year2, 2)
        } else if starts(i, "MON") {
            (FmtItem::MonthAbbrev, 3)
        } else if starts(i, "MM") {
            (FmtItem::Month, 2)
        } else if starts(i, "MI") {
            (FmtItem::Minute, 2)
        } else if starts(i, "DD") {
            (FmtItem::Day, 2)
        } else if starts(i, "HH24") {
            (FmtItem::Hour24, 4)
        } else if starts(i, "HH12") {
            (FmtItem::Hour12, 4)
        } else if starts(i, "HH") {
            (FmtItem::Hour12, 2)
        } else if starts(i, "SS") {
            (FmtItem::Second, 2)
        } else if starts(i, "AM") || starts(i, "PM") {
            (FmtItem::Meridian, 2)
        } else if c == '"' {
            let Some(end) = chars[i + 1..].iter().position(|&ch| ch == '"') else {
                return Err(format!("date format not recognized: {model}"));
            };
            let text: String = chars[i + 1..i + 1 + end].iter().collect();
            (FmtItem::Literal(text), end + 2)
        } else if matches!(c, '-' | '/' | ',' | '.' | ';' | ':' | ' ') {
            (FmtItem::Literal(c.to_string()), 1)
        } else {
            return Err(format!("date format not recognized: {model}"));
        };
        items.push(item);
        i += len;
    }
    Ok(items)
}

/// Renders a timestamp with a parsed format model.
pub fn format(at: &DateTime<Utc>, items: &[FmtItem]) -> String {
    let mut out = String::new();
    for item in items {
        match item {
            FmtItem::Year4 => out.push_str(&format!("{:04}", at.year())),
            FmtItem::Year2 => out.push_str(&format!("{:02}", at.year().rem_euclid(100))),
            FmtItem::Month => out.push_str(&format!("{:02}", at.month())),
            FmtItem::MonthAbbrev => {
                let idx = at.month0() as usize;
                out.push_str(MONTHS.get(idx).copied().unwrap_or("???"));
            }
            FmtItem::Day => out.push_str(&format!("{:02}", at.day())),
            FmtItem::Hour24 => out.push_str(&format!("{:02}", at.hour())),
            FmtItem::Hour12 => out.push_str(&format!("{:02}", at.hour12().1)),
            FmtItem::Minute => out.push_str(&format!("{:02}", at.minute())),
            FmtItem::Second => out.push_str(&format!("{:02}", at.second())),
            FmtItem::Meridian => out.push_str(if at.hour12().0 { "PM" } else { "AM" }),
            FmtItem::Literal(text) => out.push_str(text),
        }
    }
    out
}

/// Parses text with a format model (`TO_DATE`). Missing time elements are midnight.
pub fn parse_date(text: &str, items: &[FmtItem]) -> Result<DateTime<Utc>, String> {
    let fail = || format!("literal '{text}' does not match format string");
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let number = |max_len: usize, i: &mut usize| -> Result<u32, String> {
        let start = *i;
        while *i < chars.len() && *i - start < max_len && chars[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return Err(fail());
        }
        chars[start..*i]
            .iter()
            .collect::<String>()
            .parse::<u32>()
            .map_err(|_| fail())
    };
    let (mut year, mut month, mut day, mut hour, mut minute, mut second) = (1970i32, 1, 1, 0, 0, 0);
    let mut pm: Option<bool> = None;
    for item in items {
        match item {
            FmtItem::Year4 => year = i32::try_from(number(4, &mut i)?).map_err(|_| fail())?,
            FmtItem::Year2 => {
                year = 2000 + i32::try_from(number(2, &mut i)?).map_err(|_| fail())?
            }
            FmtItem::Month => month = number(2, &mut i)?,
            FmtItem::MonthAbbrev => {
                let word: String = chars.get(i..i + 3).ok_or_else(fail)?.iter().collect();
                let pos = MONTHS
                    .iter()
                    .position(|m| m.eq_ignore_ascii_case(&word))
                    .ok_or_else(fail)?;
                month = u32::try_from(pos + 1).map_err(|_| fail())?;
                i += 3;
            }
            FmtItem::Day => day = number(2, &mut i)?,
            FmtItem::Hour24 | FmtItem::Hour12 => hour = number(2, &mut i)?,
            FmtItem::Minute => minute = number(2, &mut i)?,
            FmtItem::Second => second = number(2, &mut i)?,
            FmtItem::Meridian => {
                let word: String = chars.get(i..i + 2).ok_or_else(fail)?.iter().collect();
                pm = match word.to_uppercase().as_str() {
                    "AM" => Some(false),
                    "PM" => Some(true),
                    _ => return Err(fail()),
                };
                i += 2;
            }
            FmtItem::Literal(lit) => {
                for expected in lit.chars() {
                    // Oracle accepts any punctuation where the model has punctuation.
                    match chars.get(i) {
                        Some(&c)
                            if c == expected
                                || (!c.is_alphanumeric() && !expected.is_alphanumeric()) =>
                        {
                            i += 1
                        }
                        _ => return Err(fail()),
                    }
                }
            }
        }
    }
    if i != chars.len() {
        return Err(fail());
    }
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return Err(fail());
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(fail)?;
    let naive: NaiveDateTime = date.and_hms_opt(hour, minute, second).ok_or_else(fail)?;
    Ok(Utc.from_utc_datetime(&naive))
}

/// Implicit conversion of a string compared with a date column: the account format, or an
/// ISO-8601 date or date-time.
pub fn parse_implicit(text: &str, account_format: &[FmtItem]) -> Option<DateTime<Utc>> {
    if let Ok(dt) = parse_date(text, account_format) {
        return Some(dt);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    for model in [
        "YYYY-MM-DD HH24:MI:SS",
        "YYYY-MM-DD\"T\"HH24:MI:SS",
        "YYYY-MM-DD",
    ] {
        if let Ok(items) = parse_format(model)
            && let Ok(dt) = parse_date(text, &items)
        {
            return Some(dt);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_like_models_round_trip() {
        let items = parse_format("YYYY-MM-DD\"T\"HH24:MI:SS").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 15, 2).unwrap();
        let text = format(&at, &items);
        assert_eq!(text, "2026-11-20T09:15:02");
        assert_eq!(parse_date(&text, &items).unwrap(), at);
    }

    #[test]
    fn twelve_hour_clock_and_month_names_work() {
        let items = parse_format("DD-MON-YYYY HH:MI AM").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 1, 5, 15, 4, 0).unwrap();
        assert_eq!(format(&at, &items), "05-JAN-2026 03:04 PM");
        assert_eq!(parse_date("05-jan-2026 03:04 PM", &items).unwrap(), at);
    }

    #[test]
    fn bad_models_and_bad_text_are_errors() {
        assert!(parse_format("YYYY-QQ").is_err());
        assert!(parse_format("\"open").is_err());
        let items = parse_format("YYYY-MM-DD").unwrap();
        assert!(parse_date("2026-13-01", &items).is_err());
        assert!(parse_date("2026-11", &items).is_err());
        assert!(parse_date("2026-11-01x", &items).is_err());
    }
}

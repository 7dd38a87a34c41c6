//! `Retry-After` (RFC 9110 §10.2.3) to seconds from now.
//!
//! Accepts delay-seconds and the three HTTP-date forms (IMF-fixdate, obsolete RFC 850 and
//! asctime), the date resolved against the `now_ms` the caller passes in (no clock is read).
//! Garbage, negative numbers and impossible dates give `None`; a date in the past gives
//! `Some(0.0)` ("retry now"); anything beyond [`MAX_RETRY_AFTER_S`] is clamped to it, because
//! a server asking for more than a day is better treated as "much later" than obeyed to the
//! second or ignored. Date arithmetic is done by hand (days-from-civil), in i64, with every
//! field range-checked first, so nothing overflows or panics.

/// Longest delay reported: one day.
pub const MAX_RETRY_AFTER_S: f64 = 86_400.0;

/// Seconds from `now_ms` (Unix epoch milliseconds) until the time a `Retry-After` value names.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // More than 9 digits is already far beyond the clamp; avoid parsing huge numbers.
        let secs = if v.len() > 9 { MAX_RETRY_AFTER_S } else { f64::from(v.parse::<u32>().ok()?) };
        return Some(secs.min(MAX_RETRY_AFTER_S));
    }
    if !now_ms.is_finite() {
        return None;
    }
    let at_ms = parse_http_date(v, now_ms)?;
    let secs = (at_ms - now_ms) / 1000.0;
    Some(secs.clamp(0.0, MAX_RETRY_AFTER_S))
}

/// An HTTP-date as Unix epoch milliseconds. `now_ms` only resolves RFC 850's two-digit years.
fn parse_http_date(v: &str, now_ms: f64) -> Option<f64> {
    let cleaned = v.replace(',', " ");
    let t: Vec<&str> = cleaned.split_whitespace().collect();
    let (year, month, day, time) = match t.as_slice() {
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        [wd, d, m, y, time, zone] if is_weekday(wd) && is_gmt(zone) && y.len() == 4 => (num(y)?, month_of(m)?, num(d)?, *time),
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        [wd, date, time, zone] if is_weekday(wd) && is_gmt(zone) => {
            let mut parts = date.split('-');
            let d = num(parts.next()?)?;
            let m = month_of(parts.next()?)?;
            let yy = parts.next()?;
            if parts.next().is_some() || yy.len() != 2 {
                return None;
            }
            (two_digit_year(num(yy)?, now_ms), m, d, *time)
        }
        // asctime: Sun Nov  6 08:49:37 1994
        [wd, m, d, time, y] if is_weekday(wd) && y.len() == 4 => (num(y)?, month_of(m)?, num(d)?, *time),
        _ => return None,
    };
    let mut hms = time.split(':');
    let (h, mi, s) = (num(hms.next()?)?, num(hms.next()?)?, num(hms.next()?)?);
    if hms.next().is_some() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    if !(1..=9999).contains(&year) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + h * 3600 + mi * 60 + s;
    Some(secs as f64 * 1000.0)
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_gmt(z: &str) -> bool {
    z.eq_ignore_ascii_case("GMT") || z.eq_ignore_ascii_case("UTC")
}

fn is_weekday(w: &str) -> bool {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    w.len() >= 3 && w.is_char_boundary(3) && DAYS.iter().any(|d| w[..3].eq_ignore_ascii_case(d))
}

fn month_of(m: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    MONTHS.iter().position(|x| m.eq_ignore_ascii_case(x)).map(|i| i as i64 + 1)
}

/// RFC 9110: a two-digit year more than 50 years in the future means the past century.
fn two_digit_year(yy: i64, now_ms: f64) -> i64 {
    let now_year = 1970 + (now_ms / 1000.0 / 86_400.0 / 365.2425).floor().clamp(0.0, 8000.0) as i64;
    let mut y = now_year / 100 * 100 + yy;
    if y > now_year + 50 {
        y -= 100;
    }
    y
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1994-11-06T08:49:37Z
    const T: f64 = 784_111_777_000.0;

    #[test]
    fn delay_seconds() {
        assert_eq!(parse_retry_after("120", 0.0), Some(120.0));
        assert_eq!(parse_retry_after(" 0 ", 0.0), Some(0.0));
        assert_eq!(parse_retry_after("999999999999999999999999", 0.0), Some(MAX_RETRY_AFTER_S));
        assert_eq!(parse_retry_after("90000", 0.0), Some(MAX_RETRY_AFTER_S));
    }

    #[test]
    fn garbage() {
        for v in [
            "",
            "-5",
            "1.5",
            "soon",
            "5s",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Ñ, 06 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(v, T), None, "{v}");
        }
    }

    #[test]
    fn three_date_forms() {
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", T - 30_000.0), Some(30.0));
        assert_eq!(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", T - 30_000.0), Some(30.0));
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:37 1994", T - 30_000.0), Some(30.0));
    }

    #[test]
    fn past_and_far_future() {
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", T + 5_000.0), Some(0.0));
        assert_eq!(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", T), Some(MAX_RETRY_AFTER_S));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", f64::NAN), None);
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }
}

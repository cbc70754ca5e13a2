//! p50/p95/p99 of a sample: how the admin API summarizes latencies (and how `ferry bench`,
//! which reads them, reports its own).

use serde::{Deserialize, Serialize};

/// Nearest-rank percentiles of a sample, in the sample's unit (milliseconds here).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub samples: usize,
}

impl Percentiles {
    /// Sorts `values` in place; an empty sample gives zeros with `samples: 0`.
    pub fn of(values: &mut [f64]) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
            values[rank - 1]
        };
        Self {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: values[values.len() - 1],
            samples: values.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut values: Vec<f64> = (1..=100).map(f64::from).collect();
        let p = Percentiles::of(&mut values);
        assert_eq!(
            (p.p50, p.p95, p.p99, p.max, p.samples),
            (50.0, 95.0, 99.0, 100.0, 100)
        );
        assert_eq!(Percentiles::of(&mut []).samples, 0);
        let mut one = [7.0];
        assert_eq!(Percentiles::of(&mut one).p99, 7.0);
    }
}

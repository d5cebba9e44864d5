//! Spatial accessibility of providers by the enhanced two-step floating catchment area method
//! (E2SFCA; Luo & Qi 2009): how much provider capacity each demand point (typically a populated
//! 500 m cell) can reach once every provider's capacity is shared among all the people in its
//! catchment.
//!
//! With catchment radius d0 and distance weight W, where W(d) = 0 beyond d0 and a point exactly at
//! d0 is inside:
//!
//! - step 1, for every provider j: R_j = S_j / Σ_{k: d_kj ≤ d0} P_k·W(d_kj), and **R_j = 0 when that
//!   sum is 0** (no one, or only empty cells, within reach of the provider);
//! - step 2, for every demand point i: A_i = Σ_{j: d_ij ≤ d0} R_j·W(d_ij).
//!
//! A_i is capacity per person; multiply by 100,000 for capacity per 100,000 people. Distances are
//! geodesic on WGS84 ([`geodesic_distance_m`], as everywhere in kanwamap).
//!
//! How it stays fast without looking at all pairs:
//!
//! - Demand points are indexed as ECEF points in an R*-tree; a provider's catchment is one radius
//!   query of chord radius d0 (a chord never exceeds the geodesic, so the query returns a superset),
//!   filtered by distance. The pairs a provider finds give its R_j, and with R_j its contributions
//!   R_j·W(d_ij) to step 2, whose radius queries (demand point → providers) would find exactly the
//!   same pairs: each pair is looked at once.
//! - With the step decay only the band (inner, middle or outer third) matters, and
//!   [`geodesic_bounds_from_chord`] pins the geodesic to within centimetres of the chord, so the exact
//!   geodesic is computed only for the pairs that lie within centimetres of a band edge.
//! - Providers are processed in R*-tree order (neighbours together) by `threads` workers; the calling
//!   thread adds the contributions to A_i in that fixed provider order, so results are identical bit
//!   for bit whatever the thread count.

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use crate::spatial::geodesy::{
    chord_squared, ecef, geodesic_bounds_from_chord, geodesic_distance_m, valid_lat_lon,
};

/// A place where people live (a demand point), e.g. the centre of a populated 500 m cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Demand {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Number of people (P_k); finite and non-negative.
    pub population: f64,
}

/// A provider (a supply point) and its capacity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Supply {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Capacity (S_j), e.g. 1 per provider or its beds; finite and non-negative.
    pub capacity: f64,
}

/// The distance weight W(d) inside the catchment (W = 0 beyond it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Decay {
    /// Constant weight per third of the catchment: `weights[0]` for d ≤ d0/3, `weights[1]` for
    /// d0/3 < d ≤ 2·d0/3, `weights[2]` for 2·d0/3 < d ≤ d0 (edges belong to the inner band). Luo &
    /// Qi's weights are [`Decay::DEFAULT_STEP_WEIGHTS`].
    Step {
        /// Inner, middle and outer band weights; finite and non-negative.
        weights: [f64; 3],
    },
    /// W(d) = exp(ln(0.01)·(d/d0)²): 1 at the provider, 0.01 at the catchment edge.
    Gaussian,
}

/// ln(0.01): the Gaussian weight falls to 1 % at the catchment edge.
const GAUSSIAN_EDGE_LN: f64 = -2.0 * std::f64::consts::LN_10;

impl Decay {
    /// Luo & Qi's step weights, from the inner third of the catchment outwards.
    pub const DEFAULT_STEP_WEIGHTS: [f64; 3] = [1.0, 0.68, 0.22];

    /// The step decay with Luo & Qi's weights.
    pub const fn default_step() -> Decay {
        Decay::Step { weights: Self::DEFAULT_STEP_WEIGHTS }
    }

    /// W(distance) for a catchment of `catchment_m` metres; 0 beyond the catchment.
    pub fn weight(&self, distance_m: f64, catchment_m: f64) -> f64 {
        self.weight_in_reach(distance_m, catchment_m).unwrap_or(0.0)
    }

    /// W(distance) when the distance is within the catchment, `None` beyond it (a weight of 0 inside
    /// the catchment is still "in reach").
    fn weight_in_reach(&self, distance_m: f64, catchment_m: f64) -> Option<f64> {
        match *self {
            Decay::Step { weights } => step_band(distance_m, catchment_m).map(|band| weights[band]),
            Decay::Gaussian => (distance_m <= catchment_m).then(|| gaussian(distance_m, catchment_m)),
        }
    }
}

impl Default for Decay {
    fn default() -> Self {
        Decay::default_step()
    }
}

/// The band of a distance: 0 inner, 1 middle, 2 outer third, `None` beyond the catchment. Written
/// as 3·d ≤ d0 rather than d ≤ d0/3 so that a point placed at exactly a third (d0 = 3·d) or two
/// thirds (d0 = 1.5·d) is decided without rounding; monotone in `distance_m`.
fn step_band(distance_m: f64, catchment_m: f64) -> Option<usize> {
    if 3.0 * distance_m <= catchment_m {
        Some(0)
    } else if 3.0 * distance_m <= 2.0 * catchment_m {
        Some(1)
    } else if distance_m <= catchment_m {
        Some(2)
    } else {
        None
    }
}

fn gaussian(distance_m: f64, catchment_m: f64) -> f64 {
    let x = distance_m / catchment_m;
    (GAUSSIAN_EDGE_LN * x * x).exp()
}

/// The distance of a provider–demand pair, always measured in this order so that the fast and the
/// brute-force computations agree to the last bit.
fn pair_distance(supply: &Supply, demand: &Demand) -> f64 {
    geodesic_distance_m(supply.lat, supply.lon, demand.lat, demand.lon)
}

/// Input that E2SFCA or [`weighted_summary`] cannot use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AccessError {
    /// The catchment radius is not a positive finite number of metres.
    #[error("the catchment radius must be a positive number of metres, got {0}")]
    InvalidCatchment(f64),
    /// A step weight is negative or not finite.
    #[error("step weights must be finite and non-negative, got {0:?}")]
    InvalidWeights([f64; 3]),
    /// A demand point has a bad coordinate or population.
    #[error("demand point {index}: {reason}")]
    InvalidDemand {
        /// Position in the input.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A supply point has a bad coordinate or capacity.
    #[error("supply point {index}: {reason}")]
    InvalidSupply {
        /// Position in the input.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// More points than the index can number (u32).
    #[error("{0} points are more than the index can hold")]
    TooManyPoints(usize),
    /// Scores and weights of different lengths.
    #[error("{scores} scores but {weights} weights")]
    LengthMismatch {
        /// Number of scores.
        scores: usize,
        /// Number of weights.
        weights: usize,
    },
    /// A score is negative or not finite.
    #[error("score {index} is negative or not finite")]
    InvalidScore {
        /// Position in the input.
        index: usize,
    },
    /// A weight is negative or not finite.
    #[error("weight {index} is negative or not finite")]
    InvalidWeight {
        /// Position in the input.
        index: usize,
    },
    /// All weights are zero: there is no one to summarise.
    #[error("the weights sum to zero")]
    NoWeight,
}

/// The result of [`e2sfca`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accessibility {
    /// A_i for every demand point, in input order: capacity per person within reach.
    pub scores: Vec<f64>,
    /// R_j for every provider, in input order: capacity per weighted person in its catchment (0 when
    /// its catchment holds no one).
    pub ratios: Vec<f64>,
    /// For every demand point, how many providers (of any capacity) lie within the catchment: 0 marks
    /// people no provider reaches, as opposed to people whose providers are saturated.
    pub providers_in_reach: Vec<u32>,
}

/// E2SFCA accessibility of every demand point, computed on rayon's pool (as many threads as cores,
/// shared by every analysis). The result does not depend on the number of threads (bit for bit):
/// catchments are computed in parallel but added up in a fixed order.
pub fn e2sfca(
    demand: &[Demand],
    supply: &[Supply],
    catchment_m: f64,
    decay: Decay,
) -> Result<Accessibility, AccessError> {
    validate(demand, supply, catchment_m, &decay)?;
    let tree = RTree::bulk_load(
        demand.iter().enumerate().map(|(i, d)| GeomWithData::new(ecef(d.lat, d.lon), i as u32)).collect(),
    );
    // R*-tree order keeps neighbouring providers together: their queries touch the same nodes.
    let order: Vec<u32> = RTree::bulk_load(
        supply.iter().enumerate().map(|(j, s)| GeomWithData::new(ecef(s.lat, s.lon), j as u32)).collect(),
    )
    .iter()
    .map(|p| p.data)
    .collect();
    let (_, query_radius_m) = geodesic_bounds_from_chord(0.0);
    let query_radius_m = catchment_m + query_radius_m; // rounding slack, so the edge is never lost
    let catchments = Catchments {
        tree,
        demand,
        supply,
        catchment_m,
        decay,
        query_radius_2: query_radius_m * query_radius_m,
    };

    let mut result = Accessibility {
        scores: vec![0.0; demand.len()],
        ratios: vec![0.0; supply.len()],
        providers_in_reach: vec![0; demand.len()],
    };
    let batch_len = CHUNK * CHUNKS_PER_THREAD * rayon::current_num_threads();
    for batch in order.chunks(batch_len) {
        for chunk in catchments.batch(batch) {
            chunk.add_to(&mut result);
        }
    }
    Ok(result)
}

/// Providers per unit of work handed to a thread: small, so that threads finish a batch together.
const CHUNK: usize = 4;
/// Units of work per thread in a batch; a batch's pairs are held in memory until they are added up.
const CHUNKS_PER_THREAD: usize = 32;

type DemandPoint = GeomWithData<[f64; 3], u32>;

/// What every worker reads.
struct Catchments<'a> {
    tree: RTree<DemandPoint>,
    demand: &'a [Demand],
    supply: &'a [Supply],
    catchment_m: f64,
    decay: Decay,
    /// Squared chord radius of the queries.
    query_radius_2: f64,
}

/// The catchments of a few providers: each provider's R_j and its (demand point, weight) pairs.
#[derive(Default)]
struct ChunkPairs {
    /// (provider, R_j, end of its pairs in `demand` / `weights`).
    providers: Vec<(u32, f64, usize)>,
    demand: Vec<u32>,
    weights: Vec<f64>,
}

impl ChunkPairs {
    /// Step 2 for these providers: their contributions to A_i, in their order.
    fn add_to(&self, result: &mut Accessibility) {
        let mut start = 0;
        for &(j, ratio, end) in &self.providers {
            result.ratios[j as usize] = ratio;
            for (&i, &w) in self.demand[start..end].iter().zip(&self.weights[start..end]) {
                result.scores[i as usize] += ratio * w;
                result.providers_in_reach[i as usize] += 1;
            }
            start = end;
        }
    }
}

impl Catchments<'_> {
    /// The catchments of a batch of providers, in batch order.
    fn batch(&self, providers: &[u32]) -> Vec<ChunkPairs> {
        providers.par_chunks(CHUNK).map(|chunk| self.chunk(chunk)).collect()
    }

    /// Step 1 for a few providers.
    fn chunk(&self, providers: &[u32]) -> ChunkPairs {
        let mut out = ChunkPairs::default();
        for &j in providers {
            let supply = &self.supply[j as usize];
            let centre = ecef(supply.lat, supply.lon);
            let mut denominator = 0.0;
            for point in self.tree.locate_within_distance(centre, self.query_radius_2) {
                let demand = &self.demand[point.data as usize];
                let Some(w) = self.weight(supply, demand, &centre, point.geom()) else { continue };
                denominator += demand.population * w;
                out.demand.push(point.data);
                out.weights.push(w);
            }
            let ratio = if denominator > 0.0 { supply.capacity / denominator } else { 0.0 };
            out.providers.push((j, ratio, out.demand.len()));
        }
        out
    }

    /// W for a pair found by the chord query, `None` when it is beyond the catchment.
    fn weight(&self, supply: &Supply, demand: &Demand, centre: &[f64; 3], point: &[f64; 3]) -> Option<f64> {
        match self.decay {
            Decay::Gaussian => self.decay.weight_in_reach(pair_distance(supply, demand), self.catchment_m),
            Decay::Step { weights } => {
                // The band is known without the exact distance unless a band edge lies between the
                // chord bounds (for monotone `step_band`, equal bands at both bounds settle it).
                let (lower, upper) = geodesic_bounds_from_chord(chord_squared(centre, point).sqrt());
                let band = step_band(lower, self.catchment_m);
                let band = if band == step_band(upper, self.catchment_m) {
                    band
                } else {
                    step_band(pair_distance(supply, demand), self.catchment_m)
                };
                band.map(|b| weights[b])
            }
        }
    }
}

fn validate(
    demand: &[Demand],
    supply: &[Supply],
    catchment_m: f64,
    decay: &Decay,
) -> Result<(), AccessError> {
    if !(catchment_m.is_finite() && catchment_m > 0.0) {
        return Err(AccessError::InvalidCatchment(catchment_m));
    }
    if let Decay::Step { weights } = decay
        && !weights.iter().all(|w| w.is_finite() && *w >= 0.0)
    {
        return Err(AccessError::InvalidWeights(*weights));
    }
    for n in [demand.len(), supply.len()] {
        if u32::try_from(n).is_err() {
            return Err(AccessError::TooManyPoints(n));
        }
    }
    let amount_ok = |x: f64| x.is_finite() && x >= 0.0;
    for (index, d) in demand.iter().enumerate() {
        if !valid_lat_lon(d.lat, d.lon) {
            return Err(AccessError::InvalidDemand { index, reason: "latitude or longitude out of range" });
        }
        if !amount_ok(d.population) {
            return Err(AccessError::InvalidDemand { index, reason: "population negative or not finite" });
        }
    }
    for (index, s) in supply.iter().enumerate() {
        if !valid_lat_lon(s.lat, s.lon) {
            return Err(AccessError::InvalidSupply { index, reason: "latitude or longitude out of range" });
        }
        if !amount_ok(s.capacity) {
            return Err(AccessError::InvalidSupply { index, reason: "capacity negative or not finite" });
        }
    }
    Ok(())
}

/// Population-weighted distribution of scores over cells.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Weighted mean: Σ w_i·x_i / Σ w_i.
    pub mean: f64,
    /// Lowest score among cells with weight > 0.
    pub min: f64,
    /// Highest score among cells with weight > 0.
    pub max: f64,
    /// Weighted Gini coefficient (0 = everyone has the same score; see [`weighted_summary`]).
    pub gini: f64,
}

/// Mean, range and Gini coefficient of `scores` (e.g. A_i per cell) weighted by `weights` (e.g. the
/// cells' population), treating every unit of weight as one person holding the cell's score.
///
/// Gini = Σ_i Σ_k w_i·w_k·|x_i − x_k| / (2·W²·μ), with W = Σ w_i and μ the weighted mean: the
/// mean absolute difference between two people drawn at random, over twice the mean. It is computed
/// in O(n log n) after sorting by score, as Σ_g x_g·w_g·(W_below(g) − W_above(g)) / (W·Σ w_i·x_i) over
/// groups g of equal score (W_below and W_above: the weight with strictly lower and higher scores),
/// so equal scores give exactly 0. n people of whom one holds everything give (n − 1)/n. When every
/// score is 0 the Gini is 0 (everyone has the same nothing). Cells of weight 0 are ignored.
///
/// Scores and weights must be finite and non-negative, of the same length, with a positive total
/// weight.
pub fn weighted_summary(scores: &[f64], weights: &[f64]) -> Result<Summary, AccessError> {
    if scores.len() != weights.len() {
        return Err(AccessError::LengthMismatch { scores: scores.len(), weights: weights.len() });
    }
    let mut cells = Vec::with_capacity(scores.len());
    for (index, (&x, &w)) in scores.iter().zip(weights).enumerate() {
        if !(x.is_finite() && x >= 0.0) {
            return Err(AccessError::InvalidScore { index });
        }
        if !(w.is_finite() && w >= 0.0) {
            return Err(AccessError::InvalidWeight { index });
        }
        if w > 0.0 {
            cells.push((x, w));
        }
    }
    if cells.is_empty() {
        return Err(AccessError::NoWeight);
    }
    cells.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total_weight: f64 = cells.iter().map(|c| c.1).sum();
    let total_score: f64 = cells.iter().map(|c| c.0 * c.1).sum();
    let mut below = 0.0;
    let mut gini_sum = 0.0;
    for group in cells.chunk_by(|a, b| a.0 == b.0) {
        let x = group[0].0;
        let w: f64 = group.iter().map(|c| c.1).sum();
        let above = (total_weight - below - w).max(0.0);
        gini_sum += x * w * (below - above);
        below += w;
    }
    let gini =
        if total_score > 0.0 { (gini_sum / (total_weight * total_score)).clamp(0.0, 1.0) } else { 0.0 };
    Ok(Summary { mean: total_score / total_weight, min: cells[0].0, max: cells[cells.len() - 1].0, gini })
}

/// E2SFCA over all pairs, the slow and obvious way: the reference for the tests.
#[cfg(test)]
pub fn brute_force(demand: &[Demand], supply: &[Supply], catchment_m: f64, decay: Decay) -> Accessibility {
    let ratios: Vec<f64> = supply
        .iter()
        .map(|s| {
            let denominator: f64 =
                demand.iter().map(|d| d.population * decay.weight(pair_distance(s, d), catchment_m)).sum();
            if denominator > 0.0 { s.capacity / denominator } else { 0.0 }
        })
        .collect();
    let mut scores = vec![0.0; demand.len()];
    let mut providers_in_reach = vec![0; demand.len()];
    for (i, d) in demand.iter().enumerate() {
        for (s, r) in supply.iter().zip(&ratios) {
            let distance = pair_distance(s, d);
            if distance <= catchment_m {
                scores[i] += r * decay.weight(distance, catchment_m);
                providers_in_reach[i] += 1;
            }
        }
    }
    Accessibility { scores, ratios, providers_in_reach }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `f` on a pool of exactly `threads` threads (the result must not depend on it).
    fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool").install(f)
    }

    const P: (f64, f64) = (32.80, 130.70);
    const Q: (f64, f64) = (32.90, 130.70);
    const FAR: (f64, f64) = (35.68, 139.77);

    fn demand(at: (f64, f64), population: f64) -> Demand {
        Demand { lat: at.0, lon: at.1, population }
    }

    fn supply(at: (f64, f64), capacity: f64) -> Supply {
        Supply { lat: at.0, lon: at.1, capacity }
    }

    fn run(demand: &[Demand], supply: &[Supply], catchment_m: f64, decay: Decay) -> Accessibility {
        e2sfca(demand, supply, catchment_m, decay).unwrap()
    }

    fn assert_close(got: f64, want: f64) {
        assert!((got - want).abs() <= 1e-12 * want.abs().max(1e-300), "got {got}, want {want}");
    }

    fn d_pq() -> f64 {
        geodesic_distance_m(P.0, P.1, Q.0, Q.1)
    }

    mod decay {
        use super::*;

        #[test]
        fn step_bands_include_their_outer_edge() {
            let step = Decay::default_step();
            assert_eq!(step.weight(0.0, 300.0), 1.0);
            assert_eq!(step.weight(100.0, 300.0), 1.0);
            assert_eq!(step.weight(100.000_001, 300.0), 0.68);
            assert_eq!(step.weight(200.0, 300.0), 0.68);
            assert_eq!(step.weight(200.000_001, 300.0), 0.22);
            assert_eq!(step.weight(300.0, 300.0), 0.22);
            assert_eq!(step.weight(300.000_001, 300.0), 0.0);
            assert_eq!(Decay::default(), step);
        }

        #[test]
        fn gaussian_is_one_at_the_provider_and_a_hundredth_at_the_edge() {
            assert_eq!(Decay::Gaussian.weight(0.0, 1000.0), 1.0);
            assert_close(Decay::Gaussian.weight(1000.0, 1000.0), 0.01);
            assert_close(Decay::Gaussian.weight(500.0, 1000.0), 0.01f64.powf(0.25));
            assert_eq!(Decay::Gaussian.weight(1000.001, 1000.0), 0.0);
        }
    }

    mod hand_computed {
        use super::*;

        /// One provider at P (capacity 10); 100 people at P and 50 at Q, at distance d from P.
        fn one_provider(catchment_m: f64, decay: Decay) -> Accessibility {
            run(&[demand(P, 100.0), demand(Q, 50.0)], &[supply(P, 10.0)], catchment_m, decay)
        }

        #[test]
        fn step_at_exactly_a_third_two_thirds_and_the_edge() {
            let d = d_pq();
            for (catchment, w) in [(3.0 * d, 1.0), (1.5 * d, 0.68), (d, 0.22)] {
                let got = one_provider(catchment, Decay::default_step());
                let r = 10.0 / (100.0 + 50.0 * w);
                assert_close(got.ratios[0], r);
                assert_close(got.scores[0], r);
                assert_close(got.scores[1], r * w);
                assert_eq!(got.providers_in_reach, vec![1, 1]);
            }
        }

        #[test]
        fn step_just_beyond_a_band_edge_falls_in_the_next_band() {
            let d = d_pq();
            for (catchment, w) in [(3.0 * d.next_down(), 0.68), (1.5 * d.next_down(), 0.22)] {
                let got = one_provider(catchment, Decay::default_step());
                assert_close(got.scores[1], w * 10.0 / (100.0 + 50.0 * w));
            }
            let got = one_provider(d.next_down(), Decay::default_step());
            assert_close(got.ratios[0], 10.0 / 100.0);
            assert_eq!(got.scores[1], 0.0);
            assert_eq!(got.providers_in_reach, vec![1, 0]);
        }

        #[test]
        fn gaussian_at_the_edge_and_half_way() {
            let d = d_pq();
            for (catchment, w) in [(d, 0.01), (2.0 * d, 0.01f64.powf(0.25))] {
                let got = one_provider(catchment, Decay::Gaussian);
                let r = 10.0 / (100.0 + 50.0 * w);
                assert_close(got.ratios[0], r);
                assert_close(got.scores[0], r);
                assert_close(got.scores[1], r * w);
            }
            let got = one_provider(d.next_down(), Decay::Gaussian);
            assert_close(got.scores[0], 0.1);
            assert_eq!(got.scores[1], 0.0);
        }

        /// Providers at P (10) and Q (4), one far away with no one near it (5) and one with no
        /// capacity; people at P (100), Q (50) and far from everyone (30).
        fn two_providers(decay: Decay, w_edge: f64) {
            let people = [demand(P, 100.0), demand(Q, 50.0), demand((31.0, 129.0), 30.0)];
            let providers = [supply(P, 10.0), supply(Q, 4.0), supply(FAR, 5.0), supply(P, 0.0)];
            let got = run(&people, &providers, d_pq(), decay);
            let r0 = 10.0 / (100.0 + 50.0 * w_edge);
            let r1 = 4.0 / (100.0 * w_edge + 50.0);
            assert_close(got.ratios[0], r0);
            assert_close(got.ratios[1], r1);
            assert_eq!(got.ratios[2], 0.0, "a provider with no one in reach has R = 0");
            assert_eq!(got.ratios[3], 0.0, "no capacity, no ratio");
            assert_close(got.scores[0], r0 + w_edge * r1);
            assert_close(got.scores[1], w_edge * r0 + r1);
            assert_eq!(got.scores[2], 0.0, "no provider in reach");
            assert_eq!(got.providers_in_reach, vec![3, 3, 0]);
        }

        #[test]
        fn two_providers_step() {
            two_providers(Decay::default_step(), 0.22);
        }

        #[test]
        fn two_providers_gaussian() {
            two_providers(Decay::Gaussian, 0.01);
        }

        #[test]
        fn providers_whose_catchment_has_no_people() {
            let got = run(&[demand(P, 0.0), demand(Q, 50.0)], &[supply(P, 3.0)], 1000.0, Decay::Gaussian);
            assert_eq!(got.ratios, vec![0.0], "only an empty cell in reach: R = 0, not a division by 0");
            assert_eq!(got.scores, vec![0.0, 0.0]);
            assert_eq!(got.providers_in_reach, vec![1, 0]);
        }

        #[test]
        fn custom_step_weights_and_zero_weight_bands() {
            let d = d_pq();
            let decay = Decay::Step { weights: [2.0, 1.0, 0.0] };
            let got = one_provider(d, decay);
            assert_close(got.ratios[0], 10.0 / 200.0);
            assert_eq!(got.scores[1], 0.0);
            assert_eq!(got.providers_in_reach, vec![1, 1], "a zero weight is still in reach");
        }

        #[test]
        fn empty_inputs() {
            let got = run(&[], &[supply(P, 1.0)], 1000.0, Decay::default_step());
            assert_eq!(got.ratios, vec![0.0]);
            assert!(got.scores.is_empty());
            let got = run(&[demand(P, 1.0)], &[], 1000.0, Decay::default_step());
            assert_eq!(got.scores, vec![0.0]);
            assert_eq!(got.providers_in_reach, vec![0]);
        }
    }

    mod bad_input {
        use super::*;

        #[test]
        fn is_an_error_not_a_panic() {
            let ok_d = [demand(P, 1.0)];
            let ok_s = [supply(P, 1.0)];
            let step = Decay::default_step();
            for c in [0.0, -1.0, f64::NAN, f64::INFINITY] {
                assert!(matches!(e2sfca(&ok_d, &ok_s, c, step), Err(AccessError::InvalidCatchment(_))));
            }
            let bad_weights = Decay::Step { weights: [1.0, -0.1, 0.0] };
            assert!(matches!(e2sfca(&ok_d, &ok_s, 1.0, bad_weights), Err(AccessError::InvalidWeights(_))));
            let bad_d = [demand(P, 1.0), demand((91.0, 0.0), 1.0)];
            assert!(matches!(
                e2sfca(&bad_d, &ok_s, 1.0, step),
                Err(AccessError::InvalidDemand { index: 1, .. })
            ));
            let bad_d = [demand(P, f64::NAN)];
            assert!(matches!(e2sfca(&bad_d, &ok_s, 1.0, step), Err(AccessError::InvalidDemand { .. })));
            let bad_s = [supply(P, -1.0)];
            assert!(matches!(e2sfca(&ok_d, &bad_s, 1.0, step), Err(AccessError::InvalidSupply { .. })));
            let bad_s = [supply((0.0, f64::INFINITY), 1.0)];
            assert!(matches!(e2sfca(&ok_d, &bad_s, 1.0, step), Err(AccessError::InvalidSupply { .. })));
        }
    }

    mod summary {
        use super::*;

        #[test]
        fn equal_scores_have_no_inequality() {
            let s = weighted_summary(&[0.3, 0.3, 0.3], &[10.0, 1.0, 5.0]).unwrap();
            assert_eq!(s, Summary { mean: 0.3, min: 0.3, max: 0.3, gini: 0.0 });
            let s = weighted_summary(&[0.0, 0.0], &[1.0, 2.0]).unwrap();
            assert_eq!(s.gini, 0.0, "everyone has nothing: equal");
        }

        #[test]
        fn one_person_holding_everything() {
            for n in [2usize, 3, 10, 1000] {
                let mut scores = vec![0.0; n];
                scores[n / 2] = 7.0;
                let s = weighted_summary(&scores, &vec![1.0; n]).unwrap();
                assert_close(s.gini, (n as f64 - 1.0) / n as f64);
                assert_close(s.mean, 7.0 / n as f64);
                assert_eq!((s.min, s.max), (0.0, 7.0));
            }
        }

        #[test]
        fn known_value() {
            // |differences| over ordered pairs of (1, 2, 3): 8; Gini = 8 / (2 · 3² · 2) = 2/9.
            let s = weighted_summary(&[3.0, 1.0, 2.0], &[1.0, 1.0, 1.0]).unwrap();
            assert_close(s.gini, 2.0 / 9.0);
            assert_close(s.mean, 2.0);
        }

        #[test]
        fn weights_count_people() {
            // Weight 3 on score 0 is three people with 0: the same as (0, 0, 0, 1) unweighted.
            let weighted = weighted_summary(&[0.0, 1.0], &[3.0, 1.0]).unwrap();
            let expanded = weighted_summary(&[0.0, 0.0, 0.0, 1.0], &[1.0; 4]).unwrap();
            assert_close(weighted.gini, 0.75);
            assert_close(weighted.gini, expanded.gini);
            assert_close(weighted.mean, 0.25);
            // Cells without people count for nothing, not even for min and max.
            let s = weighted_summary(&[9.0, 0.5, 1.5, 0.0], &[0.0, 2.0, 2.0, 0.0]).unwrap();
            assert_eq!((s.min, s.max), (0.5, 1.5));
            assert_close(s.mean, 1.0);
            assert_close(s.gini, 0.25); // 2·2·2·1 / (2 · 4² · 1)
        }

        #[test]
        fn bad_input() {
            assert_eq!(
                weighted_summary(&[1.0], &[1.0, 2.0]),
                Err(AccessError::LengthMismatch { scores: 1, weights: 2 })
            );
            assert_eq!(weighted_summary(&[1.0, 2.0], &[0.0, 0.0]), Err(AccessError::NoWeight));
            assert_eq!(weighted_summary(&[], &[]), Err(AccessError::NoWeight));
            assert_eq!(weighted_summary(&[-1.0], &[1.0]), Err(AccessError::InvalidScore { index: 0 }));
            assert_eq!(weighted_summary(&[1.0], &[f64::NAN]), Err(AccessError::InvalidWeight { index: 0 }));
        }

        proptest! {
            #[test]
            fn integer_weights_equal_repeated_cells(cells in proptest::collection::vec((0.0..5.0f64, 1u32..5), 1..30)) {
                let (scores, weights): (Vec<f64>, Vec<f64>) =
                    cells.iter().map(|&(x, w)| (x, f64::from(w))).unzip();
                let expanded: Vec<f64> =
                    cells.iter().flat_map(|&(x, w)| std::iter::repeat_n(x, w as usize)).collect();
                let a = weighted_summary(&scores, &weights).unwrap();
                let b = weighted_summary(&expanded, &vec![1.0; expanded.len()]).unwrap();
                prop_assert!((a.gini - b.gini).abs() < 1e-12 && (a.mean - b.mean).abs() < 1e-12);
                // The quadratic definition.
                let (mut pairs, mut total) = (0.0, 0.0);
                for &(xi, wi) in &cells {
                    total += f64::from(wi);
                    for &(xk, wk) in &cells {
                        pairs += f64::from(wi) * f64::from(wk) * (xi - xk).abs();
                    }
                }
                let want = if a.mean > 0.0 { pairs / (2.0 * total * total * a.mean) } else { 0.0 };
                prop_assert!((a.gini - want).abs() < 1e-12, "{} vs {}", a.gini, want);
            }
        }
    }

    mod against_brute_force {
        use super::*;

        fn assert_same(fast: &Accessibility, slow: &Accessibility) -> Result<(), TestCaseError> {
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
            for (i, (a, b)) in fast.scores.iter().zip(&slow.scores).enumerate() {
                prop_assert!(close(*a, *b), "score {}: {} vs {}", i, a, b);
            }
            for (j, (a, b)) in fast.ratios.iter().zip(&slow.ratios).enumerate() {
                prop_assert!(close(*a, *b), "ratio {}: {} vs {}", j, a, b);
            }
            prop_assert_eq!(&fast.providers_in_reach, &slow.providers_in_reach);
            Ok(())
        }

        fn arb_point() -> impl Strategy<Value = (f64, f64)> {
            prop_oneof![
                8 => (32.0..33.3f64, 129.9..131.4f64),
                1 => (32.80..32.81f64, 130.70..130.71f64),
                1 => (-89.0..89.0f64, -180.0..180.0f64),
            ]
        }

        fn arb_demand() -> impl Strategy<Value = Demand> {
            (arb_point(), prop_oneof![1 => Just(0.0), 6 => 0.0..5000.0f64])
                .prop_map(|(p, population)| demand(p, population))
        }

        fn arb_supply() -> impl Strategy<Value = Supply> {
            (arb_point(), prop_oneof![1 => Just(0.0), 6 => 0.0..20.0f64])
                .prop_map(|(p, capacity)| supply(p, capacity))
        }

        fn arb_decay() -> impl Strategy<Value = Decay> {
            prop_oneof![
                Just(Decay::default_step()),
                Just(Decay::Gaussian),
                proptest::array::uniform3(0.0..2.0f64).prop_map(|weights| Decay::Step { weights }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn random_points(
                people in proptest::collection::vec(arb_demand(), 0..200),
                providers in proptest::collection::vec(arb_supply(), 0..40),
                catchment_km in 0.2..60.0f64,
                decay in arb_decay(),
                threads in 1usize..5,
            ) {
                let fast = on_threads(threads, || e2sfca(&people, &providers, catchment_km * 1000.0, decay)).unwrap();
                assert_same(&fast, &brute_force(&people, &providers, catchment_km * 1000.0, decay))?;
            }

            /// Catchments that put a pair exactly on the edge or on a band edge.
            #[test]
            fn catchment_edges_on_a_pair(
                people in proptest::collection::vec(arb_demand(), 1..60),
                providers in proptest::collection::vec(arb_supply(), 1..15),
                pick in (0usize..1000, 0usize..1000),
                factor in prop_oneof![Just(1.0), Just(1.5), Just(3.0)],
                decay in arb_decay(),
            ) {
                let (d, s) = (&people[pick.0 % people.len()], &providers[pick.1 % providers.len()]);
                let catchment = factor * pair_distance(s, d);
                prop_assume!(catchment > 0.0);
                let fast = e2sfca(&people, &providers, catchment, decay).unwrap();
                assert_same(&fast, &brute_force(&people, &providers, catchment, decay))?;
            }

            #[test]
            fn identical_for_every_thread_count(
                people in proptest::collection::vec(arb_demand(), 0..400),
                providers in proptest::collection::vec(arb_supply(), 0..300),
                catchment_km in 1.0..40.0f64,
                decay in arb_decay(),
            ) {
                let at = |t: usize| on_threads(t, || e2sfca(&people, &providers, catchment_km * 1000.0, decay)).unwrap();
                let one = at(1);
                for t in [2, 3, 8] {
                    prop_assert_eq!(&at(t), &one);
                }
            }
        }
    }
}

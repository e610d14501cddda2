//! Gradient-boosted decision trees for a binary outcome, written for this module: histogram
//! splits (at most 255 bins per feature), trees grown leaf-wise (the leaf whose best split
//! gains most is split next), logistic loss, row and feature sampling per tree, all seeded so
//! training is reproducible. Each node keeps its value, so a score's path gives each feature's
//! contribution (the "reasons" a targeting officer sees).
//!
//! Why not a library: shared/reference/targeting.md measured `perpetual` 3.0.0-rc.2 (the
//! recommended pure-Rust choice) at P@5 0.967 on the KCS test quarter, where the goal is 0.99;
//! what reaches it there is LightGBM's high-capacity leaf-wise trees (255 leaves), which needs
//! CMake ≥ 3.28 and a C++ build. The method is small enough to own; our figures beside the
//! peers are in docs/PERFORMANCE.md.

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Training settings. The defaults are the ones the project stands behind (chosen on the KCS
/// validation quarter only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Params {
    pub trees: usize,
    pub leaves: usize,
    pub learning_rate: f64,
    pub min_data_in_leaf: usize,
    pub min_hessian: f64,
    pub lambda: f64,
    pub row_sample: f64,
    pub col_sample: f64,
    pub max_bins: usize,
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            trees: 400,
            leaves: 255,
            learning_rate: 0.05,
            min_data_in_leaf: 5,
            min_hessian: 1e-3,
            lambda: 0.0,
            row_sample: 0.8,
            col_sample: 0.8,
            max_bins: 255,
            seed: 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Node {
    /// Feature tested; `u32::MAX` for a leaf.
    feature: u32,
    /// Go left when the value is ≤ this (or missing).
    threshold: f64,
    /// The same test on binned training data: left when the bin is ≤ this. Only used while
    /// training (not stored).
    #[serde(skip)]
    bin: u8,
    left: u32,
    right: u32,
    /// This node's output (a leaf's is what it adds to the score).
    value: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn leaf_value(&self, x: &[f64]) -> f64 {
        let mut i = 0usize;
        loop {
            let Some(n) = self.nodes.get(i) else {
                return 0.0;
            };
            if n.feature == u32::MAX {
                return n.value;
            }
            let v = x.get(n.feature as usize).copied().unwrap_or(f64::NAN);
            i = if v.is_nan() || v <= n.threshold {
                n.left
            } else {
                n.right
            } as usize;
        }
    }

    /// Adds each feature's part of this tree's output to `contrib` (path attribution).
    fn contributions(&self, x: &[f64], contrib: &mut [f64]) -> f64 {
        let mut i = 0usize;
        let Some(root) = self.nodes.first() else {
            return 0.0;
        };
        let root_value = root.value;
        loop {
            let Some(n) = self.nodes.get(i) else {
                return root_value;
            };
            if n.feature == u32::MAX {
                return root_value;
            }
            let v = x.get(n.feature as usize).copied().unwrap_or(f64::NAN);
            let next = if v.is_nan() || v <= n.threshold {
                n.left
            } else {
                n.right
            } as usize;
            if let (Some(c), Some(child)) =
                (contrib.get_mut(n.feature as usize), self.nodes.get(next))
            {
                *c += child.value - n.value;
            }
            i = next;
        }
    }
}

/// A trained ensemble. Reading a stored one checks its trees (see [`Gbdt::check`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredGbdt")]
pub struct Gbdt {
    pub params: Params,
    base: f64,
    trees: Vec<Tree>,
    features: usize,
}

/// An ensemble as stored, before its trees are checked.
#[derive(Deserialize)]
struct StoredGbdt {
    params: Params,
    base: f64,
    trees: Vec<Tree>,
    features: usize,
}

impl TryFrom<StoredGbdt> for Gbdt {
    type Error = String;

    fn try_from(s: StoredGbdt) -> Result<Gbdt, String> {
        let g = Gbdt {
            params: s.params,
            base: s.base,
            trees: s.trees,
            features: s.features,
        };
        g.check()?;
        Ok(g)
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Upper bounds of each bin of one feature (a value goes to the first bin whose bound it does
/// not exceed; past the last bound is one more bin).
fn bin_bounds(col: &[f64], max_bins: usize) -> Vec<f64> {
    let mut v: Vec<f64> = col.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    let mut uniq: Vec<(f64, usize)> = Vec::new();
    for x in &v {
        match uniq.last_mut() {
            Some((u, c)) if *u == *x => *c += 1,
            _ => uniq.push((*x, 1)),
        }
    }
    if uniq.len() <= 1 {
        return Vec::new();
    }
    // Each distinct value beside the next.
    let pairs = || uniq.iter().zip(uniq.iter().skip(1));
    if uniq.len() <= max_bins {
        return pairs().map(|(a, b)| (a.0 + b.0) / 2.0).collect();
    }
    // Quantile cuts: walk the distinct values, closing a bin when it holds its share.
    let per_bin = v.len() as f64 / max_bins as f64;
    let mut bounds = Vec::new();
    let mut in_bin = 0usize;
    for (a, b) in pairs() {
        in_bin += a.1;
        if in_bin as f64 >= per_bin && bounds.len() + 1 < max_bins {
            bounds.push((a.0 + b.0) / 2.0);
            in_bin = 0;
        }
    }
    bounds
}

fn bin_of(bounds: &[f64], x: f64) -> u8 {
    if x.is_nan() {
        return 0;
    }
    bounds.partition_point(|b| *b < x) as u8
}

#[derive(Debug, Clone, Copy)]
struct Split {
    gain: f64,
    feature: usize,
    bin: usize,
}

struct Leaf {
    rows: Vec<u32>,
    /// Gradient, hessian and count per (feature, bin), 256 bins per feature.
    hist: Vec<[f64; 3]>,
    g: f64,
    h: f64,
    node: usize,
    best: Option<Split>,
}

const BINS: usize = 256;

impl Gbdt {
    /// Trains on row-major features `x` and labels `y` (rows without a label, or labels
    /// without a row, are left out).
    pub fn fit(x: &[Vec<f64>], y: &[bool], params: &Params) -> Gbdt {
        let x = x.get(..y.len()).unwrap_or(x);
        let y = y.get(..x.len()).unwrap_or(y);
        let n = x.len();
        let f = x.first().map(Vec::len).unwrap_or(0);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(params.seed);
        let bounds: Vec<Vec<f64>> = (0..f)
            .map(|j| {
                let col: Vec<f64> = x
                    .iter()
                    .map(|r| r.get(j).copied().unwrap_or(f64::NAN))
                    .collect();
                bin_bounds(&col, params.max_bins.clamp(2, 255))
            })
            .collect();
        let bins: Vec<Vec<u8>> = bounds
            .iter()
            .enumerate()
            .map(|(j, bounds)| {
                x.iter()
                    .map(|r| bin_of(bounds, r.get(j).copied().unwrap_or(f64::NAN)))
                    .collect()
            })
            .collect();
        let pos = y.iter().filter(|b| **b).count() as f64;
        let rate = ((pos + 0.5) / (n as f64 + 1.0)).clamp(1e-6, 1.0 - 1e-6);
        let base = (rate / (1.0 - rate)).ln();
        let mut score = vec![base; n];
        let mut grad = vec![0.0; n];
        let mut hess = vec![0.0; n];
        let mut trees = Vec::with_capacity(params.trees);
        let mut pool: Vec<Vec<[f64; 3]>> = Vec::new();
        for _ in 0..params.trees {
            for (((&s, g), h), &label) in score.iter().zip(&mut grad).zip(&mut hess).zip(y) {
                let p = sigmoid(s);
                *g = p - if label { 1.0 } else { 0.0 };
                *h = (p * (1.0 - p)).max(1e-16);
            }
            let rows: Vec<u32> = (0..n as u32)
                .filter(|_| params.row_sample >= 1.0 || rng.gen::<f64>() < params.row_sample)
                .collect();
            let mut feats: Vec<usize> = (0..f).collect();
            let keep = ((f as f64 * params.col_sample).ceil() as usize).clamp(1, f.max(1));
            for i in 0..feats.len() {
                let j = rng.gen_range(i..feats.len());
                feats.swap(i, j);
            }
            feats.truncate(keep);
            feats.sort_unstable();
            let tree = grow(
                &bins, &bounds, &grad, &hess, rows, &feats, params, &mut pool,
            );
            // Update every row's score (sampled or not) through the binned values.
            for (i, s) in score.iter_mut().enumerate() {
                *s += tree_binned(&tree, &bins, i);
            }
            trees.push(tree);
        }
        Gbdt {
            params: params.clone(),
            base,
            trees,
            features: f,
        }
    }

    /// Probability of an irregularity.
    pub fn predict(&self, x: &[f64]) -> f64 {
        sigmoid(self.margin(x))
    }

    /// The log-odds: the base and every tree's leaf.
    pub fn margin(&self, x: &[f64]) -> f64 {
        self.base + self.trees.iter().map(|t| t.leaf_value(x)).sum::<f64>()
    }

    /// Each feature's contribution to the log-odds (they sum, with the base, to the score).
    pub fn contributions(&self, x: &[f64]) -> Vec<f64> {
        let mut c = vec![0.0; self.features];
        for t in &self.trees {
            t.contributions(x, &mut c);
        }
        c
    }

    pub fn trees(&self) -> usize {
        self.trees.len()
    }

    /// Features the ensemble was trained on (the width of a row it scores).
    pub fn features(&self) -> usize {
        self.features
    }

    /// Whether every tree is one that training could have grown: each split tests one of the
    /// ensemble's features and leads to two nodes stored after it (so every walk from the root
    /// reaches a leaf in fewer steps than the tree has nodes).
    pub fn check(&self) -> Result<(), String> {
        for (t, tree) in self.trees.iter().enumerate() {
            if tree.nodes.is_empty() {
                return Err(format!("tree {t} has no nodes"));
            }
            let len = tree.nodes.len();
            for (i, n) in tree.nodes.iter().enumerate() {
                if n.feature == u32::MAX {
                    continue;
                }
                if n.feature as usize >= self.features {
                    return Err(format!(
                        "tree {t} node {i} tests feature {}, but the model has {}",
                        n.feature, self.features
                    ));
                }
                let ahead = |c: u32| (c as usize) > i && (c as usize) < len;
                if !ahead(n.left) || !ahead(n.right) {
                    return Err(format!(
                        "tree {t} node {i} leads to nodes {} and {}; a split's two nodes come \
                         after it, among the tree's {len}",
                        n.left, n.right
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The tree's output for training row `i`, walking with bins (the same as raw thresholds).
fn tree_binned(tree: &Tree, bins: &[Vec<u8>], i: usize) -> f64 {
    let mut k = 0usize;
    loop {
        let Some(n) = tree.nodes.get(k) else {
            return 0.0;
        };
        if n.feature == u32::MAX {
            return n.value;
        }
        let b = bins
            .get(n.feature as usize)
            .and_then(|col| col.get(i))
            .copied()
            .unwrap_or(0);
        k = if b <= n.bin { n.left } else { n.right } as usize;
    }
}

fn node_value(g: f64, h: f64, params: &Params) -> f64 {
    -g / (h + params.lambda) * params.learning_rate
}

fn build_hist(
    bins: &[Vec<u8>],
    grad: &[f64],
    hess: &[f64],
    rows: &[u32],
    feats: &[usize],
    pool: &mut Vec<Vec<[f64; 3]>>,
) -> Vec<[f64; 3]> {
    // Histograms are recycled between leaves and trees: allocating and zeroing a fresh one
    // per leaf cost more than building it.
    let mut hist = pool
        .pop()
        .unwrap_or_else(|| vec![[0.0; 3]; bins.len() * BINS]);
    for &j in feats {
        let (Some(col), Some(hj)) = (bins.get(j), hist.get_mut(j * BINS..(j + 1) * BINS)) else {
            continue;
        };
        hj.fill([0.0; 3]);
        for &r in rows {
            let r = r as usize;
            let (Some(&b), Some(&g), Some(&h)) = (col.get(r), grad.get(r), hess.get(r)) else {
                continue;
            };
            if let Some(cell) = hj.get_mut(usize::from(b)) {
                cell[0] += g;
                cell[1] += h;
                cell[2] += 1.0;
            }
        }
    }
    hist
}

fn best_split(
    hist: &[[f64; 3]],
    g: f64,
    h: f64,
    count: usize,
    feats: &[usize],
    bounds: &[Vec<f64>],
    params: &Params,
) -> Option<Split> {
    let parent = g * g / (h + params.lambda);
    let min = params.min_data_in_leaf as f64;
    let mut best: Option<Split> = None;
    for &j in feats {
        let nb = bounds.get(j).map_or(0, Vec::len); // bins 0..=nb; split after bin b for b < nb
        let Some(hj) = hist.get(j * BINS..(j + 1) * BINS) else {
            continue;
        };
        let (mut gl, mut hl, mut cl) = (0.0, 0.0, 0.0);
        for (b, cell) in hj.iter().take(nb).enumerate() {
            gl += cell[0];
            hl += cell[1];
            cl += cell[2];
            let (gr, hr, cr) = (g - gl, h - hl, count as f64 - cl);
            if cl < min || hl < params.min_hessian {
                continue;
            }
            if cr < min || hr < params.min_hessian {
                break;
            }
            let gain = gl * gl / (hl + params.lambda) + gr * gr / (hr + params.lambda) - parent;
            if gain > 1e-12 && best.is_none_or(|s| gain > s.gain) {
                best = Some(Split {
                    gain,
                    feature: j,
                    bin: b,
                });
            }
        }
    }
    best
}

#[allow(clippy::too_many_arguments)]
fn grow(
    bins: &[Vec<u8>],
    bounds: &[Vec<f64>],
    grad: &[f64],
    hess: &[f64],
    rows: Vec<u32>,
    feats: &[usize],
    params: &Params,
    pool: &mut Vec<Vec<[f64; 3]>>,
) -> Tree {
    let sum = |rows: &[u32], v: &[f64]| rows.iter().filter_map(|&r| v.get(r as usize)).sum::<f64>();
    let (g, h) = (sum(&rows, grad), sum(&rows, hess));
    let mut nodes = vec![Node {
        feature: u32::MAX,
        threshold: 0.0,
        bin: 0,
        left: 0,
        right: 0,
        value: node_value(g, h, params),
    }];
    let hist = build_hist(bins, grad, hess, &rows, feats, pool);
    let best = best_split(&hist, g, h, rows.len(), feats, bounds, params);
    let mut leaves = vec![Leaf {
        rows,
        hist,
        g,
        h,
        node: 0,
        best,
    }];
    while leaves.len() < params.leaves.max(2) {
        let Some((li, _)) = leaves
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.best.map(|s| (i, s.gain)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
        else {
            break;
        };
        let mut leaf = leaves.swap_remove(li);
        let Some(split) = leaf.best else { break };
        let threshold = bounds
            .get(split.feature)
            .and_then(|b| b.get(split.bin))
            .copied();
        let (Some(col), Some(threshold)) = (bins.get(split.feature), threshold) else {
            // Not a split of these columns (cannot happen: best_split reads the same ones).
            leaf.best = None;
            leaves.push(leaf);
            continue;
        };
        let (left_rows, right_rows): (Vec<u32>, Vec<u32>) = leaf.rows.iter().partition(|&&r| {
            col.get(r as usize)
                .is_some_and(|&b| usize::from(b) <= split.bin)
        });
        let (small, small_is_left) = if left_rows.len() <= right_rows.len() {
            (&left_rows, true)
        } else {
            (&right_rows, false)
        };
        let small_hist = build_hist(bins, grad, hess, small, feats, pool);
        let mut big_hist = leaf.hist;
        for &j in feats {
            let range = j * BINS..(j + 1) * BINS;
            let (Some(big_cells), Some(small_cells)) =
                (big_hist.get_mut(range.clone()), small_hist.get(range))
            else {
                continue;
            };
            for (big, small) in big_cells.iter_mut().zip(small_cells) {
                for (b, s) in big.iter_mut().zip(small) {
                    *b -= s;
                }
            }
        }
        let (left_hist, right_hist) = if small_is_left {
            (small_hist, big_hist)
        } else {
            (big_hist, small_hist)
        };
        let (gl, hl) = (sum(&left_rows, grad), sum(&left_rows, hess));
        let (gr, hr) = (leaf.g - gl, leaf.h - hl);
        let li_node = nodes.len();
        nodes.push(Node {
            feature: u32::MAX,
            threshold: 0.0,
            bin: 0,
            left: 0,
            right: 0,
            value: node_value(gl, hl, params),
        });
        nodes.push(Node {
            feature: u32::MAX,
            threshold: 0.0,
            bin: 0,
            left: 0,
            right: 0,
            value: node_value(gr, hr, params),
        });
        if let Some(parent) = nodes.get_mut(leaf.node) {
            parent.feature = split.feature as u32;
            parent.threshold = threshold;
            parent.bin = split.bin as u8;
            parent.left = li_node as u32;
            parent.right = li_node as u32 + 1;
        }
        let lb = best_split(&left_hist, gl, hl, left_rows.len(), feats, bounds, params);
        let rb = best_split(&right_hist, gr, hr, right_rows.len(), feats, bounds, params);
        leaves.push(Leaf {
            rows: left_rows,
            hist: left_hist,
            g: gl,
            h: hl,
            node: li_node,
            best: lb,
        });
        leaves.push(Leaf {
            rows: right_rows,
            hist: right_hist,
            g: gr,
            h: hr,
            node: li_node + 1,
            best: rb,
        });
    }
    pool.extend(leaves.into_iter().map(|l| l.hist));
    Tree { nodes }
}

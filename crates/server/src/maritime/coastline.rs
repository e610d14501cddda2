//! The map's offline base layer: land polygons read from a GeoJSON file of the world's land
//! (the npm package `@geo-maps/earth-lands-10m`, OpenStreetMap data under the ODbL), clipped to
//! a region, simplified, small islands and lakes dropped, and written as one compact GeoJSON
//! document with a layer per level of detail.
//!
//! This file uses only `std`: `build.rs` includes it (`#[path]`) to convert the package at build
//! time, and the crate compiles it for its unit tests. It is a parser of outside input, so it
//! never panics on bad input: it answers an error saying where.

// `build.rs` uses `convert` and `console_layers` only; the crate compiles this for its tests.
// Indexing here is bounded by the loops that do it (positions within the document, vertices
// within a ring), and the crate's ban on indexing is for request paths.
#![allow(dead_code, clippy::indexing_slicing)]

/// A longitude/latitude rectangle, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Region {
    fn intersects(&self, b: &Bounds) -> bool {
        b.west <= self.east && b.east >= self.west && b.south <= self.north && b.north >= self.south
    }
}

/// One level of detail: what it covers and how much is kept.
#[derive(Debug, Clone)]
pub struct Layer {
    pub name: &'static str,
    pub region: Region,
    /// Douglas–Peucker tolerance in metres; 0 keeps every vertex.
    pub tolerance_m: f64,
    /// Islands and lakes smaller than this (km²) are dropped.
    pub min_area_km2: f64,
}

/// The layers the console's map uses: the Baltic for the overview and, unsimplified, the
/// Stockholm archipelago with Åland for zoomed-in navigation.
pub fn console_layers() -> Vec<Layer> {
    vec![
        Layer {
            name: "baltic",
            region: Region {
                west: 9.0,
                south: 53.0,
                east: 31.0,
                north: 66.5,
            },
            tolerance_m: 600.0,
            min_area_km2: 0.5,
        },
        Layer {
            name: "archipelago",
            region: Region {
                west: 16.5,
                south: 58.3,
                east: 21.5,
                north: 60.9,
            },
            tolerance_m: 0.0,
            min_area_km2: 0.0,
        },
    ]
}

type Ring = Vec<[f64; 2]>;
type Polygon = Vec<Ring>;

#[derive(Debug, Clone, Copy)]
struct Bounds {
    west: f64,
    south: f64,
    east: f64,
    north: f64,
}

fn bounds(ring: &[[f64; 2]]) -> Bounds {
    let mut b = Bounds {
        west: f64::INFINITY,
        south: f64::INFINITY,
        east: f64::NEG_INFINITY,
        north: f64::NEG_INFINITY,
    };
    for p in ring {
        b.west = b.west.min(p[0]);
        b.east = b.east.max(p[0]);
        b.south = b.south.min(p[1]);
        b.north = b.north.max(p[1]);
    }
    b
}

/// What one conversion kept, for the build's log and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerStats {
    pub name: &'static str,
    pub polygons: usize,
    pub vertices: usize,
}

/// Converts a GeoJSON document of land (any mix of `Polygon` and `MultiPolygon` geometries)
/// into the console's base-layer document: `{"attribution": …, "layers": {name: MultiPolygon}}`.
pub fn convert(
    geojson: &[u8],
    layers: &[Layer],
    attribution: &str,
) -> Result<(String, Vec<LayerStats>), String> {
    let polygons = parse_polygons(geojson, |b| layers.iter().any(|l| l.region.intersects(b)))?;
    let mut out = String::from("{\"attribution\":");
    push_json_string(&mut out, attribution);
    out.push_str(",\"layers\":{");
    let mut stats = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(&mut out, layer.name);
        out.push_str(":{\"type\":\"MultiPolygon\",\"bbox\":[");
        let r = layer.region;
        out.push_str(&format!("{},{},{},{}", r.west, r.south, r.east, r.north));
        out.push_str("],\"coordinates\":[");
        let mut kept = 0;
        let mut vertices = 0;
        for poly in &polygons {
            let Some(p) = shape(poly, layer) else {
                continue;
            };
            if kept > 0 {
                out.push(',');
            }
            kept += 1;
            push_polygon(&mut out, &p, &mut vertices);
        }
        out.push_str("]}");
        stats.push(LayerStats {
            name: layer.name,
            polygons: kept,
            vertices,
        });
    }
    out.push_str("}}");
    Ok((out, stats))
}

/// One polygon clipped, filtered and simplified for a layer; `None` when nothing is left.
fn shape(poly: &Polygon, layer: &Layer) -> Option<Polygon> {
    let outer = poly.first()?;
    if !layer.region.intersects(&bounds(outer)) {
        return None;
    }
    let mut out = Vec::new();
    for (i, ring) in poly.iter().enumerate() {
        let clipped = clip(ring, &layer.region);
        if clipped.len() < 4 || area_km2(&clipped) < layer.min_area_km2.max(1e-9) {
            if i == 0 {
                return None; // no land left: its lakes go with it
            }
            continue;
        }
        let simple = simplify(&clipped, layer.tolerance_m);
        if simple.len() < 4 {
            if i == 0 {
                return None;
            }
            continue;
        }
        out.push(simple);
    }
    (!out.is_empty()).then_some(out)
}

/// Sutherland–Hodgman against the region's four edges; the result is closed.
fn clip(ring: &[[f64; 2]], r: &Region) -> Ring {
    let b = bounds(ring);
    let mut pts: Vec<[f64; 2]> = ring.to_vec();
    if pts.first() == pts.last() {
        pts.pop();
    }
    if b.west >= r.west && b.east <= r.east && b.south >= r.south && b.north <= r.north {
        if let Some(&first) = pts.first() {
            pts.push(first);
        }
        return pts;
    }
    // (axis, limit, keep-when-greater)
    let edges = [
        (0, r.west, true),
        (0, r.east, false),
        (1, r.south, true),
        (1, r.north, false),
    ];
    for (axis, limit, greater) in edges {
        if pts.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| {
            if greater {
                p[axis] >= limit
            } else {
                p[axis] <= limit
            }
        };
        let mut next = Vec::with_capacity(pts.len());
        for i in 0..pts.len() {
            let cur = pts[i];
            let prev = pts[(i + pts.len() - 1) % pts.len()];
            let (ci, pi) = (inside(&cur), inside(&prev));
            if ci != pi {
                let t = (limit - prev[axis]) / (cur[axis] - prev[axis]);
                let other = 1 - axis;
                let mut x = [0.0; 2];
                x[axis] = limit;
                x[other] = prev[other] + t * (cur[other] - prev[other]);
                next.push(x);
            }
            if ci {
                next.push(cur);
            }
        }
        pts = next;
    }
    if let Some(&first) = pts.first() {
        pts.push(first);
    }
    pts
}

const M_PER_DEG_LAT: f64 = 110_540.0;
const M_PER_DEG_LON_EQ: f64 = 111_320.0;

/// A local equirectangular projection in metres around the ring's mean latitude.
fn project(ring: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let lat0 = ring.iter().map(|p| p[1]).sum::<f64>() / ring.len().max(1) as f64;
    let kx = M_PER_DEG_LON_EQ * lat0.to_radians().cos();
    ring.iter()
        .map(|p| [p[0] * kx, p[1] * M_PER_DEG_LAT])
        .collect()
}

fn area_km2(ring: &[[f64; 2]]) -> f64 {
    let p = project(ring);
    let mut a = 0.0;
    for w in p.windows(2) {
        a += w[0][0] * w[1][1] - w[1][0] * w[0][1];
    }
    (a / 2.0).abs() / 1e6
}

/// Douglas–Peucker on a closed ring (first and last vertex kept), in metres.
fn simplify(ring: &[[f64; 2]], tolerance_m: f64) -> Ring {
    if tolerance_m <= 0.0 || ring.len() <= 4 {
        return ring.to_vec();
    }
    let p = project(ring);
    let n = p.len();
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    // A closed ring's two ends coincide: split it at the vertex farthest from its start first.
    let far = (1..n - 1)
        .max_by(|&a, &b| dist2(p[a], p[0]).total_cmp(&dist2(p[b], p[0])))
        .unwrap_or(n / 2);
    keep[far] = true;
    let mut stack = vec![(0, far), (far, n - 1)];
    let tol2 = tolerance_m * tolerance_m;
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let mut best = (0.0, 0);
        for i in a + 1..b {
            let d = seg_dist2(p[i], p[a], p[b]);
            if d > best.0 {
                best = (d, i);
            }
        }
        if best.0 > tol2 {
            keep[best.1] = true;
            stack.push((a, best.1));
            stack.push((best.1, b));
        }
    }
    ring.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(q, _)| *q)
        .collect()
}

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

fn seg_dist2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return dist2(p, a);
    }
    let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0);
    dist2(p, [a[0] + t * dx, a[1] + t * dy])
}

fn push_polygon(out: &mut String, poly: &Polygon, vertices: &mut usize) {
    out.push('[');
    for (i, ring) in poly.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        for (j, p) in ring.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            // Five decimals: about a metre, finer than the data.
            out.push_str(&format!("[{},{}]", round5(p[0]), round5(p[1])));
        }
        *vertices += ring.len();
        out.push(']');
    }
    out.push(']');
}

fn round5(x: f64) -> f64 {
    (x * 1e5).round() / 1e5
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Every polygon of the document's `coordinates` members whose outer ring passes `wanted`.
/// A `MultiPolygon`'s coordinates nest four arrays deep, a `Polygon`'s three; other
/// geometries (points, lines) are skipped.
fn parse_polygons(doc: &[u8], wanted: impl Fn(&Bounds) -> bool) -> Result<Vec<Polygon>, String> {
    const KEY: &[u8] = b"\"coordinates\"";
    let mut polygons = Vec::new();
    let mut at = 0;
    let mut found = false;
    while let Some(off) = find(&doc[at..], KEY) {
        found = true;
        let mut p = Parser {
            doc,
            pos: at + off + KEY.len(),
        };
        p.ws();
        p.expect(b':')?;
        p.ws();
        let depth = p.doc[p.pos..]
            .iter()
            .take_while(|&&c| c == b'[' || c.is_ascii_whitespace())
            .filter(|&&c| c == b'[')
            .count();
        match depth {
            4 => {
                p.expect(b'[')?;
                p.ws();
                if !p.eat(b']') {
                    loop {
                        let poly = p.polygon()?;
                        if poly.first().is_some_and(|r| wanted(&bounds(r))) {
                            polygons.push(poly);
                        }
                        p.ws();
                        if p.eat(b']') {
                            break;
                        }
                        p.expect(b',')?;
                        p.ws();
                    }
                }
            }
            3 => {
                let poly = p.polygon()?;
                if poly.first().is_some_and(|r| wanted(&bounds(r))) {
                    polygons.push(poly);
                }
            }
            _ => {} // points and lines are not land
        }
        at = p.pos.max(at + off + KEY.len());
    }
    if !found {
        return Err("no \"coordinates\" member: not a GeoJSON document of geometries".into());
    }
    Ok(polygons)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

struct Parser<'a> {
    doc: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self
            .doc
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.doc.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!(
                "at byte {}: expected '{}', found {}",
                self.pos,
                c as char,
                self.doc
                    .get(self.pos)
                    .map_or("the end".to_string(), |b| format!("'{}'", *b as char))
            ))
        }
    }

    /// `[ring, ring, …]`
    fn polygon(&mut self) -> Result<Polygon, String> {
        self.list(|p| p.ring())
    }

    /// `[[lon, lat(, …)], …]`
    fn ring(&mut self) -> Result<Ring, String> {
        self.list(|p| {
            let pos = p.list(|q| q.number())?;
            match pos.as_slice() {
                [lon, lat, ..]
                    if (-180.0..=180.0).contains(lon) && (-90.0..=90.0).contains(lat) =>
                {
                    Ok([*lon, *lat])
                }
                _ => Err(format!(
                    "at byte {}: a position is two numbers, longitude and latitude",
                    p.pos
                )),
            }
        })
    }

    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        self.ws();
        self.expect(b'[')?;
        let mut out = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Ok(out);
        }
        loop {
            self.ws();
            out.push(item(self)?);
            self.ws();
            if self.eat(b']') {
                return Ok(out);
            }
            self.expect(b',')?;
        }
    }

    fn number(&mut self) -> Result<f64, String> {
        let start = self.pos;
        while self
            .doc
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.pos += 1;
        }
        std::str::from_utf8(&self.doc[start..self.pos])
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("at byte {start}: expected a number"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;

    fn layer(tolerance_m: f64, min_area_km2: f64) -> Layer {
        Layer {
            name: "t",
            region: Region {
                west: 18.0,
                south: 59.0,
                east: 19.0,
                north: 60.0,
            },
            tolerance_m,
            min_area_km2,
        }
    }

    #[test]
    fn clips_land_to_the_region_and_keeps_islands_inside() {
        // A big square straddling the region's west edge, an island inside, one far away.
        let doc = br#"{"type":"GeometryCollection","geometries":[
            {"type":"MultiPolygon","coordinates":[
              [[[17.5,59.2],[18.5,59.2],[18.5,59.8],[17.5,59.8],[17.5,59.2]]],
              [[[18.7,59.5],[18.71,59.5],[18.71,59.51],[18.7,59.51],[18.7,59.5]]],
              [[[5,50],[6,50],[6,51],[5,50]]]]},
            {"type":"Point","coordinates":[18.5,59.5]}]}"#;
        let (json, stats) = convert(doc, &[layer(0.0, 0.0)], "© test").expect("converts");
        assert_eq!(stats[0].polygons, 2, "{json}");
        assert!(json.starts_with(
            "{\"attribution\":\"© test\",\"layers\":{\"t\":{\"type\":\"MultiPolygon\""
        ));
        assert!(
            json.contains("[18,59.2]"),
            "clipped at the west edge: {json}"
        );
        assert!(!json.contains("17.5"), "nothing west of the region: {json}");
        assert!(!json.contains("[5,50]"));
    }

    #[test]
    fn drops_small_islands_and_simplifies() {
        // A wiggly coast (vertices 1 m off a straight line) and a 0.0001 km² rock.
        let mut ring: Vec<String> = (0..=100)
            .map(|i| {
                format!(
                    "[{},{}]",
                    18.1 + i as f64 * 0.005,
                    59.5 + if i % 2 == 0 { 0.0 } else { 0.00001 }
                )
            })
            .collect();
        ring.push("[18.6,59.9]".into());
        ring.push("[18.1,59.9]".into());
        ring.push("[18.1,59.5]".into());
        let doc = format!(
            r#"{{"type":"Polygon","coordinates":[[{}]]}} {{"type":"Polygon","coordinates":[[[18.8,59.1],[18.80016,59.1],[18.80016,59.10009],[18.8,59.1]]]}}"#,
            ring.join(",")
        );
        let (_, full) = convert(doc.as_bytes(), &[layer(0.0, 0.0)], "").expect("converts");
        assert_eq!(full[0].polygons, 2);
        assert_eq!(full[0].vertices, 104 + 4);
        let (_, thin) = convert(doc.as_bytes(), &[layer(50.0, 0.01)], "").expect("converts");
        assert_eq!(thin[0].polygons, 1, "the rock is dropped");
        assert!(
            thin[0].vertices <= 6,
            "the straight coast keeps its corners only: {thin:?}"
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for doc in [
            &b""[..],
            b"{}",
            b"{\"coordinates\":[[[[18,59],[19,x]]]]}",
            b"{\"coordinates\":[[[[18,59],[19,",
            b"{\"coordinates\":[[[[18,999],[19,59]]]]}",
            b"{\"coordinates\"",
        ] {
            assert!(
                convert(doc, &[layer(0.0, 0.0)], "").is_err(),
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
        // Degenerate but well-formed: nothing kept, still a document.
        let (json, stats) = convert(
            b"{\"coordinates\":[[[[18.5,59.5]]]]}",
            &[layer(0.0, 0.0)],
            "",
        )
        .expect("converts");
        assert_eq!(stats[0].polygons, 0);
        assert!(json.ends_with("\"coordinates\":[]}}}"));
    }
}

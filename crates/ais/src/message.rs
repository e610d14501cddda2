//! Every AIS message type 1–27 (ITU-R M.1371-5) as typed values, decoded from a message's
//! bits. Fields keep their transmitted integer values (positions in 1/10,000 minute, speed in
//! 1/10 knot, …) so nothing is lost or rounded; accessors give them in ordinary units with
//! the "not available" codes as `None`. Nothing here allocates.
//!
//! Length rules follow gpsd's: a message shorter than its type's minimum is refused, a longer
//! one is read as far as its fields go (some transmitters pad), and reads past the end give 0.

use serde::Serialize;

use crate::bits::Bits;
use crate::text::Text;

/// Why a message's bits do not make a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Message type 0 or above 27.
    UnknownType(u8),
    /// Too few or too many bits for the type.
    Length { msg_type: u8, bits: usize },
    /// A type 24 with part number 2 or 3 (reserved).
    Type24Part(u8),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::UnknownType(t) => write!(f, "unknown message type {t}"),
            DecodeError::Length { msg_type, bits } => {
                write!(
                    f,
                    "type {msg_type} message of {bits} bits is outside the type's length"
                )
            }
            DecodeError::Type24Part(p) => write!(f, "type 24 with reserved part number {p}"),
        }
    }
}

/// Binary application data: its length in bits and the bytes, left-aligned.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Binary {
    pub bitcount: u16,
    pub bytes: [u8; 128],
}

impl Binary {
    /// Reads `bitcount` bits at `start`. The last byte is completed with the bits that follow
    /// in the message up to the next byte boundary of the message, then zeros: the bytes gpsd
    /// dumps.
    fn read(b: &Bits, start: usize, bitcount: usize, with_fill: bool) -> Binary {
        let n = bitcount.min(128 * 8);
        let mut bytes = [0u8; 128];
        b.copy_bits(start, n, with_fill, &mut bytes);
        let through = (start + n).div_ceil(8) * 8 - start;
        let mut out = Binary {
            bitcount: n as u16,
            bytes,
        };
        if through < n.div_ceil(8) * 8 {
            let keep = through;
            if let Some(last) = out.bytes.get_mut(keep / 8) {
                if !keep.is_multiple_of(8) {
                    *last &= 0xffu8 << (8 - keep % 8);
                } else {
                    *last = 0;
                }
            }
        }
        out
    }

    /// The bytes that hold the data (the last one completed with the bits that followed).
    pub fn data(&self) -> &[u8] {
        self.bytes
            .get(..usize::from(self.bitcount).div_ceil(8))
            .unwrap_or(&[])
    }
}

impl std::fmt::Debug for Binary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:", self.bitcount)?;
        for b in self.data() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for Binary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{self:?}"))
    }
}

/// Ship dimensions from the reference point, metres.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Dimensions {
    pub to_bow: u16,
    pub to_stern: u16,
    pub to_port: u8,
    pub to_starboard: u8,
}

impl Dimensions {
    fn read(b: &Bits, at: usize) -> Dimensions {
        Dimensions {
            to_bow: b.u(at, 9) as u16,
            to_stern: b.u(at + 9, 9) as u16,
            to_port: b.u(at + 18, 6) as u8,
            to_starboard: b.u(at + 24, 6) as u8,
        }
    }
    /// Length and beam, metres, when both ends are given.
    pub fn length_beam(&self) -> Option<(u16, u16)> {
        let l = self.to_bow + self.to_stern;
        let w = u16::from(self.to_port) + u16::from(self.to_starboard);
        (l > 0 && w > 0).then_some((l, w))
    }
}

/// Longitude in 1/10,000 minute → degrees; 181° means not available.
pub fn lon_deg(raw: i32) -> Option<f64> {
    let d = f64::from(raw) / 600_000.0;
    (raw != 108_600_000 && (-180.0..=180.0).contains(&d)).then_some(d)
}

/// Latitude in 1/10,000 minute → degrees; 91° means not available.
pub fn lat_deg(raw: i32) -> Option<f64> {
    let d = f64::from(raw) / 600_000.0;
    (raw != 54_600_000 && (-90.0..=90.0).contains(&d)).then_some(d)
}

/// Speed over ground in 1/10 knot; 1023 not available, 1022 means 102.2 knots or more.
pub fn speed_kn(raw: u16) -> Option<f64> {
    (raw < 1023).then(|| f64::from(raw) / 10.0)
}

/// Course over ground in 1/10 degree; 3600 not available.
pub fn course_deg(raw: u16) -> Option<f64> {
    (raw < 3600).then(|| f64::from(raw) / 10.0)
}

/// True heading in degrees; 511 not available.
pub fn heading_deg(raw: u16) -> Option<u16> {
    (raw < 360).then_some(raw)
}

/// Types 1, 2 and 3: the Class A position report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PositionA {
    pub status: u8,
    /// Rate of turn, the transmitted code (−128 not available).
    pub turn: i16,
    pub speed: u16,
    pub accuracy: bool,
    pub lon: i32,
    pub lat: i32,
    pub course: u16,
    pub heading: u16,
    pub second: u8,
    pub maneuver: u8,
    pub raim: bool,
    pub radio: u32,
}

/// Types 4 (base station) and 11 (UTC response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BaseStation {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub accuracy: bool,
    pub lon: i32,
    pub lat: i32,
    pub epfd: u8,
    pub raim: bool,
    pub radio: u32,
}

/// Type 5: static and voyage data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StaticVoyage {
    pub ais_version: u8,
    pub imo: u32,
    pub callsign: Text<7>,
    pub shipname: Text<20>,
    pub shiptype: u8,
    #[serde(flatten)]
    pub dim: Dimensions,
    pub epfd: u8,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    /// Draught in 1/10 metre.
    pub draught: u8,
    pub destination: Text<20>,
    pub dte: bool,
}

/// Meteorological and hydrological data (IMO SN.1/Circ.236 DAC 1 FI 11, and SN.1/Circ.289
/// DAC 1 FI 31), transmitted values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Meteo {
    pub lon: i32,
    pub lat: i32,
    pub accuracy: bool,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub wspeed: u16,
    pub wgust: u16,
    pub wdir: u16,
    pub wgustdir: u16,
    pub airtemp: i16,
    pub humidity: u16,
    pub dewpoint: i16,
    pub pressure: u16,
    pub pressuretend: u8,
    pub visgreater: bool,
    pub visibility: u16,
    pub waterlevel: i16,
    pub leveltrend: u8,
    pub cspeed: u16,
    pub cdir: u16,
    pub cspeed2: u16,
    pub cdir2: u16,
    pub cdepth2: u16,
    pub cspeed3: u16,
    pub cdir3: u16,
    pub cdepth3: u16,
    pub waveheight: u16,
    pub waveperiod: u16,
    pub wavedir: u16,
    pub swellheight: u16,
    pub swellperiod: u16,
    pub swelldir: u16,
    pub seastate: u8,
    pub watertemp: i16,
    pub preciptype: u8,
    pub salinity: u16,
    pub ice: u8,
}

/// AtoN monitoring data (UK and Ireland, DAC 235/250 FI 10).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AtonMonitoring {
    pub ana_int: u16,
    pub ana_ext1: u16,
    pub ana_ext2: u16,
    pub racon: u8,
    pub light: u8,
    pub alarm: bool,
    pub stat_ext: u8,
    pub off_pos: bool,
}

/// What a binary message's application data decodes to, where we decode it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Application {
    /// DAC 1 FI 11 (IMO 236).
    Meteo236(Meteo),
    /// DAC 1 FI 31 (IMO 289).
    Meteo289(Meteo),
    AtonMonitoring(AtonMonitoring),
}

/// Type 6: addressed binary message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AddressedBinary {
    pub seqno: u8,
    pub dest_mmsi: u32,
    pub retransmit: bool,
    pub dac: u16,
    pub fid: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<Application>,
    pub data: Binary,
}

/// Type 8: broadcast binary message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BroadcastBinary {
    pub dac: u16,
    pub fid: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<Application>,
    pub data: Binary,
}

/// Types 7 (binary acknowledge) and 13 (safety acknowledge): up to four stations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Acknowledge {
    pub mmsi1: u32,
    pub mmsi2: u32,
    pub mmsi3: u32,
    pub mmsi4: u32,
    /// How many of the four are present in the message.
    pub count: u8,
}

/// Type 9: SAR aircraft position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SarPosition {
    /// Altitude in metres (4095 not available).
    pub alt: u16,
    /// Speed in knots (1023 not available).
    pub speed: u16,
    pub accuracy: bool,
    pub lon: i32,
    pub lat: i32,
    pub course: u16,
    pub second: u8,
    pub regional: u8,
    pub dte: bool,
    pub assigned: bool,
    pub raim: bool,
    pub radio: u32,
}

/// Type 12: addressed safety text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SafetyAddressed {
    pub seqno: u8,
    pub dest_mmsi: u32,
    pub retransmit: bool,
    pub text: Text<160>,
}

/// Type 15: interrogation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Interrogation {
    pub mmsi1: u32,
    pub type1_1: u8,
    pub offset1_1: u16,
    pub type1_2: u8,
    pub offset1_2: u16,
    pub mmsi2: u32,
    pub type2_1: u8,
    pub offset2_1: u16,
}

/// Type 16: assigned mode command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AssignedMode {
    pub mmsi1: u32,
    pub offset1: u16,
    pub increment1: u16,
    pub mmsi2: u32,
    pub offset2: u16,
    pub increment2: u16,
}

/// Type 17: DGNSS broadcast (position in 1/10 minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dgnss {
    pub lon: i32,
    pub lat: i32,
    pub data: Binary,
}

/// Type 18: Class B position report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PositionB {
    pub reserved: u8,
    pub speed: u16,
    pub accuracy: bool,
    pub lon: i32,
    pub lat: i32,
    pub course: u16,
    pub heading: u16,
    pub second: u8,
    pub regional: u8,
    pub cs: bool,
    pub display: bool,
    pub dsc: bool,
    pub band: bool,
    pub msg22: bool,
    pub assigned: bool,
    pub raim: bool,
    pub radio: u32,
}

/// Type 19: extended Class B position report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PositionBExtended {
    pub reserved: u8,
    pub speed: u16,
    pub accuracy: bool,
    pub lon: i32,
    pub lat: i32,
    pub course: u16,
    pub heading: u16,
    pub second: u8,
    pub regional: u8,
    pub shipname: Text<20>,
    pub shiptype: u8,
    #[serde(flatten)]
    pub dim: Dimensions,
    pub epfd: u8,
    pub raim: bool,
    pub dte: bool,
    pub assigned: bool,
}

/// One slot reservation of a type 20 message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SlotReservation {
    pub offset: u16,
    pub number: u8,
    pub timeout: u8,
    pub increment: u16,
}

/// Type 20: data link management.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DataLinkManagement {
    pub slots: [SlotReservation; 4],
}

/// Type 21: aid to navigation report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AidToNavigation {
    pub aid_type: u8,
    /// The name with its extension, as gpsd joins them.
    pub name: Text<40>,
    /// Characters of name extension read (0–14 in a well-formed message; 0 when the name is
    /// shorter than 20 characters, which gpsd takes to mean there is none).
    #[serde(skip)]
    pub name_ext_chars: u8,
    pub accuracy: bool,
    pub lon: i32,
    pub lat: i32,
    #[serde(flatten)]
    pub dim: Dimensions,
    pub epfd: u8,
    pub second: u8,
    pub off_position: bool,
    pub regional: u8,
    pub raim: bool,
    pub virtual_aid: bool,
    pub assigned: bool,
}

/// The area or the two stations a type 22 applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ChannelTarget {
    /// Corners in 1/10 minute.
    Area {
        ne_lon: i32,
        ne_lat: i32,
        sw_lon: i32,
        sw_lat: i32,
    },
    Stations {
        dest1: u32,
        dest2: u32,
    },
}

/// Type 22: channel management.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChannelManagement {
    pub channel_a: u16,
    pub channel_b: u16,
    pub txrx: u8,
    pub power: bool,
    #[serde(flatten)]
    pub target: ChannelTarget,
    pub addressed: bool,
    pub band_a: bool,
    pub band_b: bool,
    pub zonesize: u8,
}

/// Type 23: group assignment command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GroupAssignment {
    pub ne_lon: i32,
    pub ne_lat: i32,
    pub sw_lon: i32,
    pub sw_lat: i32,
    pub stationtype: u8,
    pub shiptype: u8,
    pub txrx: u8,
    pub interval: u8,
    pub quiet: u8,
}

/// Type 24 part B's last field: dimensions, or the mother ship of an auxiliary craft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DimOrMother {
    Dim(Dimensions),
    Mothership { mothership_mmsi: u32 },
}

/// Type 24: Class B static data, in two parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum StaticDataB {
    A {
        shipname: Text<20>,
    },
    B {
        shiptype: u8,
        /// The vendor id as gpsd reads it: seven characters, model and serial included.
        vendorid: Text<7>,
        model: u8,
        serial: u32,
        callsign: Text<7>,
        #[serde(flatten)]
        dim: DimOrMother,
    },
}

/// Types 25 and 26: single- and multiple-slot binary messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlotBinary {
    pub addressed: bool,
    pub structured: bool,
    pub dest_mmsi: u32,
    pub app_id: u16,
    pub data: Binary,
    /// Type 26 only: the communication state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub radio: Option<u32>,
}

/// Type 27: long-range position report (position in 1/10 minute, speed in knots, course in
/// degrees).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LongRange {
    pub status: u8,
    pub accuracy: bool,
    pub lon: i32,
    pub lat: i32,
    pub speed: u8,
    pub course: u16,
    pub raim: bool,
    pub gnss: bool,
}

/// The body of a message, by type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Body {
    PositionA(PositionA),
    BaseStation(BaseStation),
    StaticVoyage(StaticVoyage),
    AddressedBinary(AddressedBinary),
    Acknowledge(Acknowledge),
    BroadcastBinary(BroadcastBinary),
    SarPosition(SarPosition),
    UtcInquiry { dest_mmsi: u32 },
    SafetyAddressed(SafetyAddressed),
    SafetyBroadcast { text: Text<160> },
    Interrogation(Interrogation),
    AssignedMode(AssignedMode),
    Dgnss(Dgnss),
    PositionB(PositionB),
    PositionBExtended(PositionBExtended),
    DataLinkManagement(DataLinkManagement),
    AidToNavigation(AidToNavigation),
    ChannelManagement(ChannelManagement),
    GroupAssignment(GroupAssignment),
    StaticDataB(StaticDataB),
    SlotBinary(SlotBinary),
    LongRange(LongRange),
}

/// A decoded message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Message {
    #[serde(rename = "type")]
    pub msg_type: u8,
    pub repeat: u8,
    pub mmsi: u32,
    #[serde(flatten)]
    pub body: Body,
}

impl Message {
    /// Position in degrees (latitude, longitude), for the types that carry one and when it is
    /// available.
    pub fn position(&self) -> Option<(f64, f64)> {
        let (lat, lon) = match &self.body {
            Body::PositionA(p) => (lat_deg(p.lat)?, lon_deg(p.lon)?),
            Body::PositionB(p) => (lat_deg(p.lat)?, lon_deg(p.lon)?),
            Body::PositionBExtended(p) => (lat_deg(p.lat)?, lon_deg(p.lon)?),
            Body::BaseStation(p) => (lat_deg(p.lat)?, lon_deg(p.lon)?),
            Body::SarPosition(p) => (lat_deg(p.lat)?, lon_deg(p.lon)?),
            Body::AidToNavigation(p) => (lat_deg(p.lat)?, lon_deg(p.lon)?),
            Body::LongRange(p) => (lat_deg(p.lat * 1000)?, lon_deg(p.lon * 1000)?),
            _ => return None,
        };
        Some((lat, lon))
    }

    /// Speed over ground in knots, when given.
    pub fn speed_kn(&self) -> Option<f64> {
        match &self.body {
            Body::PositionA(p) => speed_kn(p.speed),
            Body::PositionB(p) => speed_kn(p.speed),
            Body::PositionBExtended(p) => speed_kn(p.speed),
            Body::LongRange(p) => (p.speed < 63).then_some(f64::from(p.speed)),
            _ => None,
        }
    }

    /// Course over ground in degrees, when given.
    pub fn course_deg(&self) -> Option<f64> {
        match &self.body {
            Body::PositionA(p) => course_deg(p.course),
            Body::PositionB(p) => course_deg(p.course),
            Body::PositionBExtended(p) => course_deg(p.course),
            Body::LongRange(p) => (p.course < 511).then_some(f64::from(p.course)),
            _ => None,
        }
    }

    /// True heading in degrees, when given.
    pub fn heading_deg(&self) -> Option<u16> {
        match &self.body {
            Body::PositionA(p) => heading_deg(p.heading),
            Body::PositionB(p) => heading_deg(p.heading),
            Body::PositionBExtended(p) => heading_deg(p.heading),
            _ => None,
        }
    }
}

fn check(msg_type: u8, bits: usize, min: usize, max: usize) -> Result<(), DecodeError> {
    if bits < min || bits > max {
        return Err(DecodeError::Length { msg_type, bits });
    }
    Ok(())
}

fn meteo236(b: &Bits) -> Meteo {
    Meteo {
        lat: b.i32(56, 24),
        lon: b.i32(80, 25),
        accuracy: false,
        day: b.u(105, 5) as u8,
        hour: b.u(110, 5) as u8,
        minute: b.u(115, 6) as u8,
        wspeed: b.u(121, 7) as u16,
        wgust: b.u(128, 7) as u16,
        wdir: b.u(135, 9) as u16,
        wgustdir: b.u(144, 9) as u16,
        airtemp: b.u(153, 11) as i16,
        humidity: b.u(164, 7) as u16,
        dewpoint: b.u(171, 10) as i16,
        pressure: b.u(181, 9) as u16,
        pressuretend: b.u(190, 2) as u8,
        visgreater: false,
        visibility: b.u(192, 8) as u16,
        waterlevel: b.u(200, 9) as i16,
        leveltrend: b.u(209, 2) as u8,
        cspeed: b.u(211, 8) as u16,
        cdir: b.u(219, 9) as u16,
        cspeed2: b.u(228, 8) as u16,
        cdir2: b.u(236, 9) as u16,
        cdepth2: b.u(245, 5) as u16,
        cspeed3: b.u(250, 8) as u16,
        cdir3: b.u(258, 9) as u16,
        cdepth3: b.u(267, 5) as u16,
        waveheight: b.u(272, 8) as u16,
        waveperiod: b.u(280, 6) as u16,
        wavedir: b.u(286, 9) as u16,
        swellheight: b.u(295, 8) as u16,
        swellperiod: b.u(303, 6) as u16,
        swelldir: b.u(309, 9) as u16,
        seastate: b.u(318, 4) as u8,
        watertemp: b.u(322, 10) as i16,
        preciptype: b.u(332, 3) as u8,
        salinity: b.u(335, 9) as u16,
        ice: b.u(344, 2) as u8,
    }
}

fn meteo289(b: &Bits) -> Meteo {
    Meteo {
        lon: b.i32(56, 25),
        lat: b.i32(81, 24),
        accuracy: b.flag(105),
        day: b.u(106, 5) as u8,
        hour: b.u(111, 5) as u8,
        minute: b.u(116, 6) as u8,
        wspeed: b.u(122, 7) as u16,
        wgust: b.u(129, 7) as u16,
        wdir: b.u(136, 9) as u16,
        wgustdir: b.u(145, 9) as u16,
        airtemp: b.i(154, 11) as i16,
        humidity: b.u(165, 7) as u16,
        dewpoint: b.i(172, 10) as i16,
        pressure: b.u(182, 9) as u16,
        pressuretend: b.u(191, 2) as u8,
        visgreater: b.flag(193),
        visibility: b.u(194, 7) as u16,
        waterlevel: b.u(201, 12) as i16,
        leveltrend: b.u(213, 2) as u8,
        cspeed: b.u(215, 8) as u16,
        cdir: b.u(223, 9) as u16,
        cspeed2: b.u(232, 8) as u16,
        cdir2: b.u(240, 9) as u16,
        cdepth2: b.u(249, 5) as u16,
        cspeed3: b.u(254, 8) as u16,
        cdir3: b.u(262, 9) as u16,
        cdepth3: b.u(271, 5) as u16,
        waveheight: b.u(276, 8) as u16,
        waveperiod: b.u(284, 6) as u16,
        wavedir: b.u(290, 9) as u16,
        swellheight: b.u(299, 8) as u16,
        swellperiod: b.u(307, 6) as u16,
        swelldir: b.u(313, 9) as u16,
        seastate: b.u(322, 4) as u8,
        watertemp: b.i(326, 10) as i16,
        preciptype: b.u(336, 3) as u8,
        salinity: b.u(339, 9) as u16,
        ice: b.u(348, 2) as u8,
    }
}

fn aton_monitoring(b: &Bits) -> AtonMonitoring {
    AtonMonitoring {
        ana_int: b.u(88, 10) as u16,
        ana_ext1: b.u(98, 10) as u16,
        ana_ext2: b.u(108, 10) as u16,
        racon: b.u(118, 2) as u8,
        light: b.u(120, 2) as u8,
        alarm: b.flag(122),
        stat_ext: b.u(123, 8) as u8,
        off_pos: b.flag(131),
    }
}

/// Whether an MMSI is an auxiliary craft's (98MIDxxxx), whose type 24 names a mother ship.
pub fn auxiliary_mmsi(mmsi: u32) -> bool {
    mmsi / 10_000_000 == 98
}

/// Decodes a whole message's bits.
pub fn decode(b: &Bits) -> Result<Message, DecodeError> {
    let n = b.len();
    let max = crate::bits::CAPACITY * 8;
    let msg_type = b.u(0, 6) as u8;
    let repeat = b.u(6, 2) as u8;
    let mmsi = b.u32(8, 30);
    let body = match msg_type {
        1..=3 => {
            check(msg_type, n, 163, max)?;
            Body::PositionA(PositionA {
                status: b.u(38, 4) as u8,
                turn: b.i(42, 8) as i16,
                speed: b.u(50, 10) as u16,
                accuracy: b.flag(60),
                lon: b.i32(61, 28),
                lat: b.i32(89, 27),
                course: b.u(116, 12) as u16,
                heading: b.u(128, 9) as u16,
                second: b.u(137, 6) as u8,
                maneuver: b.u(143, 2) as u8,
                raim: b.flag(148),
                radio: b.tail(149, 19) as u32,
            })
        }
        4 | 11 => {
            check(msg_type, n, 168, max)?;
            Body::BaseStation(BaseStation {
                year: b.u(38, 14) as u16,
                month: b.u(52, 4) as u8,
                day: b.u(56, 5) as u8,
                hour: b.u(61, 5) as u8,
                minute: b.u(66, 6) as u8,
                second: b.u(72, 6) as u8,
                accuracy: b.flag(78),
                lon: b.i32(79, 28),
                lat: b.i32(107, 27),
                epfd: b.u(134, 4) as u8,
                raim: b.flag(148),
                radio: b.u32(149, 19),
            })
        }
        5 => {
            check(msg_type, n, 420, max)?;
            Body::StaticVoyage(StaticVoyage {
                ais_version: b.u(38, 2) as u8,
                imo: b.u32(40, 30),
                callsign: b.text::<7>(70, 7).trimmed(),
                shipname: b.text::<20>(112, 20).trimmed(),
                shiptype: b.u(232, 8) as u8,
                dim: Dimensions::read(b, 240),
                epfd: b.u(270, 4) as u8,
                month: b.u(274, 4) as u8,
                day: b.u(278, 5) as u8,
                hour: b.u(283, 5) as u8,
                minute: b.u(288, 6) as u8,
                draught: b.u(294, 8) as u8,
                destination: b.text::<20>(302, 20).trimmed(),
                // gpsd reads the DTE flag only when the message reaches it.
                dte: b.within(422, 1) == 1,
            })
        }
        6 => {
            check(msg_type, n, 88, 1008)?;
            let dac = b.u(72, 10) as u16;
            let fid = b.u(82, 6) as u8;
            let application = match (dac, fid) {
                (235 | 250, 10) if n == 136 => {
                    Some(Application::AtonMonitoring(aton_monitoring(b)))
                }
                _ => None,
            };
            Body::AddressedBinary(AddressedBinary {
                seqno: b.u(38, 2) as u8,
                dest_mmsi: b.u32(40, 30),
                retransmit: b.flag(70),
                dac,
                fid,
                application,
                data: Binary::read(b, 88, n - 88, true),
            })
        }
        7 | 13 => {
            check(msg_type, n, 72, 168)?;
            // A station is read when the message reaches into its field (as gpsd does).
            let station = |at: usize| if n > at { b.u32(at, 30) } else { 0 };
            Body::Acknowledge(Acknowledge {
                mmsi1: station(40),
                mmsi2: station(72),
                mmsi3: station(104),
                mmsi4: station(136),
                count: ((n - 40) / 32).min(4) as u8,
            })
        }
        8 => {
            check(msg_type, n, 56, 1008)?;
            let dac = b.u(40, 10) as u16;
            let fid = b.u(50, 6) as u8;
            let application = match (dac, fid) {
                (1, 11) => Some(Application::Meteo236(meteo236(b))),
                (1, 31) => Some(Application::Meteo289(meteo289(b))),
                _ => None,
            };
            Body::BroadcastBinary(BroadcastBinary {
                dac,
                fid,
                application,
                data: Binary::read(b, 56, n - 56, false),
            })
        }
        9 => {
            check(msg_type, n, 168, max)?;
            Body::SarPosition(SarPosition {
                alt: b.u(38, 12) as u16,
                speed: b.u(50, 10) as u16,
                accuracy: b.flag(60),
                lon: b.i32(61, 28),
                lat: b.i32(89, 27),
                course: b.u(116, 12) as u16,
                second: b.u(128, 6) as u8,
                regional: b.u(134, 8) as u8,
                dte: b.flag(142),
                assigned: b.flag(146),
                raim: b.flag(147),
                radio: b.u32(148, 20),
            })
        }
        10 => {
            check(msg_type, n, 72, max)?;
            Body::UtcInquiry {
                dest_mmsi: b.u32(40, 30),
            }
        }
        12 => {
            check(msg_type, n, 72, 1008)?;
            Body::SafetyAddressed(SafetyAddressed {
                seqno: b.u(38, 2) as u8,
                dest_mmsi: b.u32(40, 30),
                retransmit: b.flag(70),
                text: b.text::<160>(72, (n - 72) / 6).trimmed(),
            })
        }
        14 => {
            check(msg_type, n, 40, 1008)?;
            Body::SafetyBroadcast {
                text: b.text::<160>(40, (n - 40) / 6).trimmed(),
            }
        }
        15 => {
            check(msg_type, n, 88, 168)?;
            // The second station is read when the message reaches into it (as gpsd does).
            let second = n > 110;
            Body::Interrogation(Interrogation {
                mmsi1: b.u32(40, 30),
                type1_1: b.u(70, 6) as u8,
                offset1_1: b.u(76, 12) as u16,
                type1_2: b.u(90, 6) as u8,
                offset1_2: b.u(96, 12) as u16,
                mmsi2: if second { b.u32(110, 30) } else { 0 },
                type2_1: if second { b.u(140, 6) as u8 } else { 0 },
                offset2_1: if second { b.u(146, 12) as u16 } else { 0 },
            })
        }
        16 => {
            check(msg_type, n, 96, 168)?;
            let two = n >= 144;
            Body::AssignedMode(AssignedMode {
                mmsi1: b.u32(40, 30),
                offset1: b.u(70, 12) as u16,
                increment1: b.u(82, 10) as u16,
                mmsi2: if two { b.u32(92, 30) } else { 0 },
                offset2: if two { b.u(122, 12) as u16 } else { 0 },
                increment2: if two { b.u(134, 10) as u16 } else { 0 },
            })
        }
        17 => {
            check(msg_type, n, 80, 816)?;
            Body::Dgnss(Dgnss {
                lon: b.i32(40, 18),
                lat: b.i32(58, 17),
                data: Binary::read(b, 80, n - 80, true),
            })
        }
        18 => {
            check(msg_type, n, 168, max)?;
            Body::PositionB(PositionB {
                reserved: b.u(38, 8) as u8,
                speed: b.u(46, 10) as u16,
                accuracy: b.flag(56),
                lon: b.i32(57, 28),
                lat: b.i32(85, 27),
                course: b.u(112, 12) as u16,
                heading: b.u(124, 9) as u16,
                second: b.u(133, 6) as u8,
                regional: b.u(139, 2) as u8,
                cs: b.flag(141),
                display: b.flag(142),
                dsc: b.flag(143),
                band: b.flag(144),
                msg22: b.flag(145),
                assigned: b.flag(146),
                raim: b.flag(147),
                radio: b.u32(148, 20),
            })
        }
        19 => {
            check(msg_type, n, 312, max)?;
            Body::PositionBExtended(PositionBExtended {
                reserved: b.u(38, 8) as u8,
                speed: b.u(46, 10) as u16,
                accuracy: b.flag(56),
                lon: b.i32(57, 28),
                lat: b.i32(85, 27),
                course: b.u(112, 12) as u16,
                heading: b.u(124, 9) as u16,
                second: b.u(133, 6) as u8,
                regional: b.u(139, 4) as u8,
                shipname: b.text::<20>(143, 20).trimmed(),
                shiptype: b.u(263, 8) as u8,
                dim: Dimensions::read(b, 271),
                epfd: b.u(301, 4) as u8,
                raim: b.flag(305),
                dte: b.flag(306),
                assigned: b.flag(307),
            })
        }
        20 => {
            check(msg_type, n, 72, 186)?;
            let mut slots = [SlotReservation::default(); 4];
            for (k, s) in slots.iter_mut().enumerate() {
                let at = 40 + 30 * k;
                *s = SlotReservation {
                    offset: b.u(at, 12) as u16,
                    number: b.u(at + 12, 4) as u8,
                    timeout: b.u(at + 16, 3) as u8,
                    increment: b.u(at + 19, 11) as u16,
                };
            }
            Body::DataLinkManagement(DataLinkManagement { slots })
        }
        21 => {
            check(msg_type, n, 272, 368)?;
            let mut name = b.text::<40>(43, 20).before_at();
            let mut name_ext_chars = 0;
            if name.len() == 20 && n > 272 {
                let ext = b.text::<20>(272, (n - 272) / 6).before_at();
                name_ext_chars = ext.len() as u8;
                name.extend(ext.as_str());
            }
            Body::AidToNavigation(AidToNavigation {
                aid_type: b.u(38, 5) as u8,
                name: name.trimmed(),
                name_ext_chars,
                accuracy: b.flag(163),
                lon: b.i32(164, 28),
                lat: b.i32(192, 27),
                dim: Dimensions::read(b, 219),
                epfd: b.u(249, 4) as u8,
                second: b.u(253, 6) as u8,
                off_position: b.flag(259),
                regional: b.u(260, 8) as u8,
                raim: b.flag(268),
                virtual_aid: b.flag(269),
                assigned: b.flag(270),
            })
        }
        22 => {
            check(msg_type, n, 168, max)?;
            let addressed = b.flag(139);
            let target = if addressed {
                ChannelTarget::Stations {
                    dest1: b.u32(69, 30),
                    dest2: b.u32(104, 30),
                }
            } else {
                ChannelTarget::Area {
                    ne_lon: b.i32(69, 18),
                    ne_lat: b.i32(87, 17),
                    sw_lon: b.i32(104, 18),
                    sw_lat: b.i32(122, 17),
                }
            };
            Body::ChannelManagement(ChannelManagement {
                channel_a: b.u(40, 12) as u16,
                channel_b: b.u(52, 12) as u16,
                txrx: b.u(64, 4) as u8,
                power: b.flag(68),
                target,
                addressed,
                band_a: b.flag(140),
                band_b: b.flag(141),
                zonesize: b.u(142, 3) as u8,
            })
        }
        23 => {
            check(msg_type, n, 160, max)?;
            Body::GroupAssignment(GroupAssignment {
                ne_lon: b.i32(40, 18),
                ne_lat: b.i32(58, 17),
                sw_lon: b.i32(75, 18),
                sw_lat: b.i32(93, 17),
                stationtype: b.u(110, 4) as u8,
                shiptype: b.u(114, 8) as u8,
                txrx: b.u(144, 2) as u8,
                interval: b.u(146, 4) as u8,
                quiet: b.u(150, 4) as u8,
            })
        }
        24 => match b.u(38, 2) {
            0 => {
                check(msg_type, n, 160, 168)?;
                Body::StaticDataB(StaticDataB::A {
                    shipname: b.text::<20>(40, 20).trimmed(),
                })
            }
            1 => {
                check(msg_type, n, 168, max)?;
                let dim = if auxiliary_mmsi(mmsi) {
                    DimOrMother::Mothership {
                        mothership_mmsi: b.u32(132, 30),
                    }
                } else {
                    DimOrMother::Dim(Dimensions::read(b, 132))
                };
                Body::StaticDataB(StaticDataB::B {
                    shiptype: b.u(40, 8) as u8,
                    vendorid: b.text::<7>(48, 7).trimmed(),
                    model: b.u(66, 4) as u8,
                    serial: b.u32(70, 20),
                    callsign: b.text::<7>(90, 7).trimmed(),
                    dim,
                })
            }
            p => return Err(DecodeError::Type24Part(p as u8)),
        },
        25 | 26 => {
            let addressed = b.flag(38);
            let structured = b.flag(39);
            let mut at = 40;
            let dest_mmsi = if addressed {
                at += 30;
                b.u32(40, 30)
            } else {
                0
            };
            let app_id = if structured {
                at += 16;
                b.u(at - 16, 16) as u16
            } else {
                0
            };
            let (radio, data_end) = if msg_type == 26 {
                check(msg_type, n, at + 20, 1004)?;
                (Some(b.u32(n - 20, 20)), n - 20)
            } else {
                check(msg_type, n, at, 168)?;
                (None, n)
            };
            let data = Binary::read(b, at, data_end - at, true);
            Body::SlotBinary(SlotBinary {
                addressed,
                structured,
                dest_mmsi,
                app_id,
                data,
                radio,
            })
        }
        27 => {
            if n != 96 && n != 168 {
                return Err(DecodeError::Length { msg_type, bits: n });
            }
            Body::LongRange(LongRange {
                accuracy: b.flag(38),
                raim: b.flag(39),
                status: b.u(40, 4) as u8,
                lon: b.i32(44, 18),
                lat: b.i32(62, 17),
                speed: b.u(79, 6) as u8,
                course: b.u(85, 9) as u16,
                gnss: b.flag(94),
            })
        }
        t => return Err(DecodeError::UnknownType(t)),
    };
    Ok(Message {
        msg_type,
        repeat,
        mmsi,
        body,
    })
}

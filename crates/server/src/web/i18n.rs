//! The console's words in Swedish and English. Every message is declared with both texts in
//! one place, so a missing translation does not compile; a test lists the few that are
//! deliberately the same in both languages.

use hamnvakt_core::alert::{AlertState, Outcome, Severity, SubjectKind};
use hamnvakt_core::org::OrgKind;
use hamnvakt_identity::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first of sv/en in an `Accept-Language` header; Swedish when neither is named.
    pub fn from_accept_language(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("sv") {
                return Lang::Sv;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Sv
    }
}

macro_rules! messages {
    ($($key:ident => $en:literal, $sv:literal;)*) => {
        // Field and value labels are named after the JSON keys they translate (`F_valid_from_ms`).
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($key),* }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$key),*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$key, Lang::En) => $en, (Msg::$key, Lang::Sv) => $sv,)*
                }
            }
        }
    };
}

messages! {
    AppName => "Hamnvakt", "Hamnvakt";
    Tagline => "Port security centre", "Hamnens säkerhetscentral";
    SignIn => "Sign in", "Logga in";
    SignOut => "Sign out", "Logga ut";
    Username => "Username", "Användarnamn";
    Password => "Password", "Lösenord";
    BadCredentials => "Wrong username or password.", "Fel användarnamn eller lösenord.";
    Throttled => "Too many failed attempts. Try again in a few minutes.", "För många misslyckade försök. Försök igen om några minuter.";
    SessionExpired => "Your form had expired. Please try again.", "Formuläret hade gått ut. Försök igen.";
    ProtectedNotice => "Protected object: authorised users only. Every sign-in is logged.", "Skyddsobjekt: endast behöriga användare. Varje inloggning loggas.";
    NavAlerts => "Alert queue", "Larmkö";
    NavSites => "Sites", "Platser";
    NavSharing => "Sharing", "Delning";
    SharingTitle => "Sharing with need-to-know", "Delning efter behov";
    SharingIntro => "Everything here carries its TLP 2.0 marking and an audience decided when it was written. The same rule decides every page, export and TAXII feed.", "Allt här bär sin TLP 2.0-märkning och en mottagarkrets som bestämdes när det skrevs. Samma regel styr varje sida, export och TAXII-flöde.";
    SharingWhatWeShare => "What we share, with whom and under which marking", "Det vi delar, med vem och under vilken märkning";
    SharingFeeds => "Partner feeds (TAXII)", "Partnerflöden (TAXII)";
    SharingIndicators => "Indicator library", "Indikatorbibliotek";
    SharingSightings => "Sightings", "Observationer";
    SharingWrittenAbout => "Notes and relationships", "Anteckningar och samband";
    SharingWhoCanSee => "Who can see this and why", "Vem kan se detta och varför";
    SharingWhyYou => "Why you see it", "Varför du ser det";
    WhyOwner => "your organisation owns it", "din organisation äger den";
    WhyNamed => "the owner named your organisation", "ägaren har namngett din organisation";
    WhyCommunity => "it is shared with the port community, which you belong to", "den delas med hamnens aktörer, som du hör till";
    WhyAlliance => "it is shared with the alliance, which you belong to", "den delas med alliansen, som du hör till";
    WhyNotOwnerOnly => "it is for the owner's organisation only", "den är bara för ägarens organisation";
    WhyNotNamed => "it is for named organisations and yours is not one of them", "den är för namngivna organisationer och din är inte en av dem";
    WhyNotCommunity => "it is for this port community and your organisation is a partner port", "den är för hamnens aktörer och din organisation är en partnerhamn";
    WhyNotMarking => "its marking does not allow its audience", "dess märkning tillåter inte dess mottagare";
    SharingAudience => "Audience", "Mottagarkrets";
    SharingMarking => "Marking", "Märkning";
    SharingType => "Type", "Typ";
    SharingName => "Name", "Namn";
    SharingSource => "Source", "Källa";
    SharingPattern => "Pattern", "Mönster";
    SharingDirection => "Direction", "Riktning";
    SharingLastRun => "Last run", "Senaste körning";
    SharingObjectsTaken => "Objects", "Objekt";
    SharingLastRunObjects => "Last run (over the wire)", "Senaste körning (överfört)";
    SharingError => "Error", "Fel";
    SharingFeedState => "State", "Läge";
    SharingFeedWorking => "working", "fungerar";
    SharingFeedFailing => "failing", "fungerar inte";
    SharingFeedNeverRun => "not run yet", "inte körd än";
    SharingFeedPaused => "paused", "pausad";
    SharingNothing => "Nothing yet.", "Inget ännu.";
    SharingMaySee => "May see", "Får se";
    SharingOverTaxii => "Over TAXII", "Via TAXII";
    SharingOwnerOnly => "Only the owner's organisation is told who else may see an object.", "Endast ägarens organisation får veta vilka andra som får se ett objekt.";
    SharingYes => "yes", "ja";
    SharingNo => "no", "nej";
    SharingRevoked => "revoked", "återkallad";
    NavAudit => "Audit log", "Granskningslogg";
    Language => "Language", "Språk";
    SignedInAs => "Signed in as", "Inloggad som";
    AlertQueue => "Alert queue", "Larmkö";
    AlertsShown => "alerts match", "larm matchar";
    NoAlerts => "No alerts match the filter.", "Inga larm matchar filtret.";
    Filter => "Filter", "Filtrera";
    StateFilter => "State", "Status";
    ActiveStates => "Active (not closed)", "Aktiva (ej stängda)";
    AllStates => "All", "Alla";
    MinSeverity => "Lowest severity", "Lägsta allvarlighet";
    AnySeverity => "Any", "Alla";
    KindFilter => "Kind", "Typ";
    Severity => "Severity", "Allvarlighet";
    Title => "Title", "Rubrik";
    Subjects => "Concerns", "Gäller";
    Owner => "Owner", "Ägare";
    Marking => "Marking", "Märkning";
    StateCol => "State", "Status";
    Raised => "Raised", "Larmat";
    Actions => "Actions", "Åtgärder";
    Acknowledge => "Acknowledge", "Kvittera";
    Assign => "Assign", "Tilldela";
    AssignTo => "Assign to", "Tilldela till";
    Close => "Close", "Stäng";
    OutcomeLabel => "Outcome", "Utfall";
    Note => "Note", "Anteckning";
    NextPage => "Next page", "Nästa sida";
    FirstPage => "First page", "Första sidan";
    Evidence => "Evidence", "Underlag";
    History => "History", "Händelseförlopp";
    SharedWith => "Shared with", "Delas med";
    Assignee => "Assignee", "Handläggare";
    Nobody => "Nobody", "Ingen";
    RaisedBy => "Raised by", "Larmat av";
    BackToQueue => "Back to the queue", "Tillbaka till kön";
    BackToStart => "To your start page", "Till din startsida";
    // The live queue, folded repeats and evidence for people (issue 18, point 5).
    QueueLive => "Live: alerts appear and change here as they happen.", "Live: larm visas och ändras här när de händer.";
    QueueOrder => "Order", "Ordning";
    SortSeverity => "Most severe, then latest", "Allvarligast, sedan senaste";
    SortNewest => "Newest first", "Nyaste först";
    SortOldest => "Oldest first", "Äldsta först";
    FirstSeen => "First seen", "Först sedd";
    LastSeen => "Last seen", "Senast sedd";
    SeenTimes => "Seen", "Sedd";
    TimesWord => "times", "gånger";
    EvidenceAsRecorded => "As recorded (JSON)", "Som det registrerades (JSON)";
    EvidenceMoreRows => "more", "till";
    EvYes => "yes", "ja";
    EvNo => "no", "nej";
    E_credential_state => "Credential state", "Kortets status";
    E_gate => "Gate", "Grind";
    E_gates => "Gates", "Grindar";
    E_local_time => "Local time", "Lokal tid";
    E_decision => "Gate decision", "Grindbeslut";
    E_distance_km => "Distance (km)", "Avstånd (km)";
    E_distance_m => "Distance (m)", "Avstånd (m)";
    E_minutes_apart => "Minutes apart", "Minuter emellan";
    E_implied_speed_kmh => "Implied speed (km/h)", "Beräknad hastighet (km/h)";
    E_implied_speed_kn => "Implied speed (knots)", "Beräknad fart (knop)";
    E_denials => "Refusals", "Nekanden";
    E_last_reasons => "Reasons of the last refusal", "Skäl för senaste nekandet";
    E_reasons => "Reasons", "Skäl";
    E_threshold => "Threshold", "Tröskel";
    E_count => "Count", "Antal";
    E_within_minutes => "Within (minutes)", "Inom (minuter)";
    E_entries_in_history => "Entries in history", "Passager i historiken";
    E_share_near_this_hour => "Share near this hour", "Andel kring denna timme";
    E_usual_hours => "Usual hours", "Vanliga timmar";
    E_zone => "Zone", "Zon";
    E_zones_used_before => "Zones used before", "Zoner använda tidigare";
    E_direction => "Direction", "Riktning";
    E_at_ms => "Time", "Tidpunkt";
    E_at => "Where", "Var";
    E_lat => "Latitude", "Latitud";
    E_lon => "Longitude", "Longitud";
    E_speed_kn => "Speed (knots)", "Fart (knop)";
    E_course_deg => "Course (°)", "Kurs (°)";
    E_heading_deg => "Heading (°)", "Kompasskurs (°)";
    E_from => "From", "Från";
    E_to => "To", "Till";
    E_last_seen => "Last heard", "Senast hörd";
    E_seen_again => "Heard again", "Hörd igen";
    E_other_messages_heard_meanwhile => "Other messages heard meanwhile", "Andra meddelanden hörda under tiden";
    E_since => "Since", "Sedan";
    E_now => "Now", "Nu";
    E_fast => "Fast", "Snabb";
    E_slow => "Slow", "Långsam";
    E_hours => "Hours", "Timmar";
    E_minutes => "Minutes", "Minuter";
    E_mean_speed_kn => "Mean speed (knots)", "Medelfart (knop)";
    E_median_speed_kn => "Median speed (knots)", "Medianfart (knop)";
    E_median_distance_m => "Median distance (m)", "Medianavstånd (m)";
    E_track => "Track", "Spår";
    E_tracks => "Tracks", "Spår per fartyg";
    E_field => "Field", "Fält";
    E_imo => "IMO number", "IMO-nummer";
    E_mmsis => "MMSIs", "MMSI-nummer";
    E_mid => "MID", "MID";
    E_mid_country => "Country of the MID", "MID:ens land";
    E_declared_flag => "Declared flag", "Angiven flagg";
    E_message_type => "AIS message type", "AIS-meddelandetyp";
    E_vessels => "Vessels", "Fartyg";
    E_start_ms => "Started", "Började";
    E_last_ms => "Last", "Senast";
    E_release => "Release", "Frisläppande";
    E_container => "Container", "Container";
    E_bill_of_lading => "Bill of lading", "Konossement";
    E_presented_driver => "Driver presented", "Förare som visade upp sig";
    E_presented_driver_name => "Name of the driver presented", "Namn på föraren som visade upp sig";
    E_presented_driver_org => "Organisation of the driver presented", "Organisation för föraren som visade upp sig";
    E_assigned_driver => "Driver assigned", "Tilldelad förare";
    E_assigned_driver_name => "Name of the driver assigned", "Namn på tilldelad förare";
    E_assigned_plate => "Plate assigned", "Tilldelat registreringsnummer";
    E_haulier => "Haulier", "Åkeri";
    E_indicator => "Indicator", "Indikator";
    E_sighting => "Sighting", "Observation";
    E_seen_by => "Seen by", "Sedd av";
    E_description => "Description", "Beskrivning";
    E_first_seen => "First seen", "Först sedd";
    E_value => "Value", "Värde";
    E_kind => "Kind", "Typ";
    E_observed => "Observed", "Observerat";
    E_incident => "Incident", "Incident";
    E_version => "Version", "Version";
    E_code => "Code", "Kod";
    E_text => "Text", "Text";
    E_reason => "Reason", "Skäl";
    E_person => "Person", "Person";
    E_credential => "Credential", "Passerkort";
    E_plate => "Plate", "Registreringsnummer";
    E_joined_by => "Joined by", "Förenade genom";
    E_entity => "Entity", "Objekt";
    E_part => "Part", "Del";
    E_with => "With", "Med";
    E_parts => "Parts", "Delar";
    E_alert => "Alert", "Larm";
    E_rule => "Rule", "Regel";
    E_name => "Name", "Namn";
    E_id => "Id", "Id";
    E_hits => "Profile hits", "Profilträffar";
    E_lane => "Lane", "Kanal";
    E_profile => "Profile", "Profil";
    E_profiles => "Profiles", "Profiler";
    E_weight => "Weight", "Vikt";
    E_score => "Risk score", "Riskvärde";
    E_rank_percent => "Rank (% of the day)", "Rang (% av dagen)";
    E_vessel_call => "Vessel call", "Fartygsanlöp";
    E_origin => "Origin", "Ursprung";
    E_hs_code => "HS code", "HS-nummer";
    // Cases in the console.
    NavCases => "Cases", "Ärenden";
    CaseNone => "No cases.", "Inga ärenden.";
    CaseOpen => "Open a case", "Öppna ett ärende";
    CaseIncidents => "Incidents in the case", "Incidenter i ärendet";
    CaseHiddenIncidents => "incidents whose marking keeps them from you", "incidenter vars märkning hindrar dig från att se dem";
    CaseAddIncident => "Add an incident", "Lägg till en incident";
    CaseClose => "Close the case", "Stäng ärendet";
    CaseReopen => "Reopen the case", "Återöppna ärendet";
    CaseStateOpen => "Open", "Öppet";
    CaseStateClosed => "Closed", "Stängt";
    CaseCount => "Incidents", "Incidenter";
    CaseOfIncident => "In case", "Ingår i ärende";
    NotAllowedToAct => "Your organisation may see this alert but not act on it.", "Din organisation får se larmet men inte hantera det.";
    AuditLog => "Audit log", "Granskningslogg";
    AuditIntro => "Every security-relevant action, in order, each event sealed with the hash of the one before.", "Varje säkerhetsrelevant åtgärd i ordning, varje händelse förseglad med föregående händelses hash.";
    VerifyChain => "Verify the chain", "Verifiera kedjan";
    ChainIntact => "The chain is intact", "Kedjan är obruten";
    ChainBroken => "The chain is broken at event", "Kedjan är bruten vid händelse";
    EventsChecked => "events checked", "händelser kontrollerade";
    Seq => "No.", "Nr";
    Time => "Time", "Tid";
    EventKind => "Event", "Händelse";
    Actor => "Actor", "Aktör";
    Subject => "Subject", "Objekt";
    Hash => "Hash", "Hash";
    Older => "Older events", "Äldre händelser";
    Newest => "Newest events", "Senaste händelserna";
    Sites => "Sites", "Platser";
    SiteName => "Name", "Namn";
    SiteCode => "Code", "Kod";
    Locode => "UN/LOCODE", "UN/LOCODE";
    Position => "Position (WGS84)", "Position (WGS84)";
    NotFound => "Page not found", "Sidan finns inte";
    NotFoundText => "There is nothing at this address.", "Det finns inget på den här adressen.";
    Forbidden => "Not allowed", "Inte tillåtet";
    ForbiddenText => "Your roles do not allow this page.", "Dina roller ger inte åtkomst till sidan.";
    ErrorTitle => "Something went wrong", "Något gick fel";
    ErrorText => "The request could not be completed. Quote this request id when you report it:", "Begäran kunde inte genomföras. Ange detta id när du rapporterar felet:";
    Done => "Done.", "Klart.";
    SevInfo => "Info", "Info";
    SevLow => "Low", "Låg";
    SevMedium => "Medium", "Medel";
    SevHigh => "High", "Hög";
    SevCritical => "Critical", "Kritisk";
    StOpen => "Open", "Öppet";
    StAcknowledged => "Acknowledged", "Kvitterat";
    StAssigned => "Assigned", "Tilldelat";
    StClosed => "Closed", "Stängt";
    OutConfirmed => "Confirmed", "Bekräftat";
    OutFalsePositive => "False alarm", "Falsklarm";
    OutBenign => "Harmless", "Ofarligt";
    OutDuplicate => "Duplicate", "Dubblett";
    RoleOperator => "Security-centre operator", "Operatör, säkerhetscentralen";
    RolePfso => "Port facility security officer", "Hamnanläggningens skyddschef (PFSO)";
    RoleTargeting => "Targeting officer", "Urvalshandläggare";
    RoleAnalyst => "Analyst", "Analytiker";
    RoleAdministrator => "Administrator", "Administratör";
    RoleMachine => "Machine client", "Maskinklient";
    RolePlatformAdministrator => "Platform administrator", "Plattformsadministratör";
    RoleGateController => "Gate controller", "Grindstyrning";
    RoleCustomsSystem => "Customs system", "Tullens system";
    RolePortCallSystem => "Port-call system", "Anlöpssystem";
    RoleDispatcher => "Dispatcher (releases)", "Transportledare (frisläppningar)";
    RoleReleaseSystem => "Release system", "Frisläppningssystem";
    SkPerson => "Person", "Person";
    SkCredential => "Credential", "Passerkort";
    SkVehicle => "Vehicle", "Fordon";
    SkContainer => "Container", "Container";
    SkVessel => "Vessel", "Fartyg";
    SkZone => "Zone", "Zon";
    SkOrganisation => "Organisation", "Organisation";
    SkSite => "Site", "Plats";
    SkGate => "Gate", "Grind";
    SkConsignment => "Consignment", "Sändning";
    SkRelease => "Release", "Frisläppning";
    SkVesselCall => "Vessel call", "Fartygsanlöp";
    EntityAll => "Everything known about it", "Allt som är känt om den";
    EntityNothing => "Nothing you may see is known about it.", "Inget som du får se är känt om den.";
    EntityRecord => "Open the record", "Öppna posten";
    EntityOnMap => "Track on the map", "Spår på kartan";
    EntityTracks => "Tracks on the map", "Spåren på kartan";
    EntityLinked => "Linked", "Kopplat";
    EntityAlerts => "Alerts naming it", "Larm som nämner den";
    EntityIncidents => "Incidents naming it", "Incidenter som nämner den";
    EntityPortCalls => "Port calls", "Hamnanlöp";
    EntityBadRef => "Not an entity reference", "Ingen entitetsreferens";
    CorrelationRules => "Correlation rules", "Korrelationsregler";
    CorrelationHelp => "Rules that join the events of every capability by the things they name, within a time window, and raise one alert for the whole story. Each save is a new version.", "Regler som förenar händelser från alla förmågor genom det de nämner, inom ett tidsfönster, och larmar en gång för hela förloppet. Varje sparning är en ny version.";
    CorrelationBuiltin => "built in", "inbyggd";
    CorrelationSave => "Save as a new version", "Spara som ny version";
    FxPort => "Port", "Hamn";
    FxDate => "Date", "Datum";
    FxImo => "IMO number", "IMO-nummer";
    FxDestination => "Destination", "Destination";
    FxHsCode => "HS code", "HS-nummer";
    FxOrigin => "Origin", "Ursprung";
    FxVesselCall => "Vessel call (as declared)", "Fartygsanlöp (som deklarerat)";
    FxState => "State", "Status";
    FxBillOfLading => "Bill of lading", "Konossement";
    FxOrgKind => "Kind of organisation", "Typ av organisation";
    RlVessel => "Vessel", "Fartyg";
    RlSameVessel => "Same vessel", "Samma fartyg";
    RlDeclaredIn => "Declared in", "Deklarerad i";
    RlContainer => "Container", "Container";
    RlVesselCall => "Arrives with", "Anländer med";
    RlReleasedBy => "Release", "Frisläppning";
    RlHolder => "Holder", "Innehavare";
    RlLine => "Shipping line", "Rederi";
    RlDriver => "Assigned driver", "Tilldelad förare";
    RlOrganisation => "Organisation", "Organisation";
    RlHolds => "Holds", "Innehar";
    OkPortAuthority => "Port authority", "Hamnförvaltning";
    OkTerminal => "Terminal operator", "Terminaloperatör";
    OkCustoms => "Customs", "Tull";
    OkPolice => "Police", "Polis";
    OkCoastGuard => "Coast guard", "Kustbevakning";
    OkMaritime => "Maritime administration", "Sjöfartsverk";
    OkHaulier => "Haulier", "Åkeri";
    OkForwarder => "Forwarder", "Speditör";
    OkShippingLine => "Shipping line", "Rederi";
    OkContractor => "Contractor", "Entreprenör";
    OkOtherPort => "Alliance port", "Alliansens hamn";
    NavAccess => "Access control", "Passerkontroll";
    NavFeed => "Gate events", "Passagehändelser";
    NavOnSite => "On site now", "På området nu";
    AccessTitle => "Access control", "Passerkontroll";
    Facilities => "Facilities", "Anläggningar";
    KFacilities => "Facilities", "Anläggningar";
    KZones => "Zones", "Zoner";
    KGates => "Gates", "Grindar";
    KPeople => "People", "Personer";
    KCredentials => "Credentials", "Passerkort";
    KVehicles => "Vehicles", "Fordon";
    KPermits => "Permits", "Tillstånd";
    KVisits => "Visitors", "Besök";
    KBans => "Port bans", "Hamnförbud";
    K1Facility => "Facility", "Anläggning";
    K1Zone => "Zone", "Zon";
    K1Gate => "Gate", "Grind";
    K1Person => "Person", "Person";
    K1Credential => "Credential", "Passerkort";
    K1Vehicle => "Vehicle", "Fordon";
    K1Permit => "Permit", "Tillstånd";
    K1Visit => "Visit", "Besök";
    K1Ban => "Port ban", "Hamnförbud";
    LinkedCards => "Cards", "Kort";
    LinkedPermits => "Permits", "Tillstånd";
    RecentPassages => "Recent passages", "Senaste passager";
    RecentDecisions => "Recent decisions at this gate", "Senaste beslut vid denna grind";
    AlertsAbout => "Alerts about this person", "Larm om denna person";
    AnyGate => "Any gate", "Alla grindar";
    AnyOutcome => "Any outcome", "Alla utfall";
    FilteredNoLive => "Filtered: new decisions are not added live.", "Filtrerat: nya beslut läggs inte till direkt.";
    SecurityLevel => "Security level", "Skyddsnivå";
    SetLevel => "Set level", "Ändra nivå";
    Reason => "Reason", "Orsak";
    OpenGates => "open gates", "öppna grindar";
    Muster => "Muster list", "Uppställningslista";
    DownloadCsv => "Download CSV", "Ladda ner CSV";
    Search => "Search", "Sök";
    New => "New", "Ny";
    Save => "Save", "Spara";
    Edit => "Edit", "Redigera";
    Saved => "Saved.", "Sparat.";
    Outcome => "Decision", "Beslut";
    Direction => "Direction", "Riktning";
    DirIn => "In", "In";
    DirOut => "Out", "Ut";
    Grant => "Granted", "Beviljad";
    Deny => "Denied", "Nekad";
    Refer => "Refer to guard", "Till vakt";
    Gate => "Gate", "Grind";
    Person => "Person", "Person";
    Zone => "Zone", "Zon";
    Since => "Since", "Sedan";
    Inside => "inside", "inne";
    NoOneInside => "Nobody is inside.", "Ingen är inne.";
    NoDecisions => "No gate events yet.", "Inga passagehändelser än.";
    AutoRefresh => "New gate events appear as they happen.", "Nya passagehändelser visas när de sker.";
    FixErrors => "Correct these fields:", "Rätta dessa fält:";
    Policies => "Access policies", "Passerregler";
    PolicyVersion => "Version", "Version";
    Organisation => "Organisation", "Organisation";
    None_ => "(none)", "(ingen)";
    F_name => "Name", "Namn";
    F_site_id => "Site", "Plats";
    F_isps_number => "ISPS facility number", "ISPS-anläggningsnummer";
    F_security_level => "Security level", "Skyddsnivå";
    F_org_id => "Organisation", "Organisation";
    F_facility_id => "Facility", "Anläggning";
    F_parent => "Inside zone", "Ligger i zon";
    F_code => "Code", "Kod";
    F_sensitivity => "Sensitivity", "Känslighet";
    F_two_person => "Two-person zone", "Tvåpersonszon";
    F_anti_passback => "Anti-passback", "Återinpasseringsspärr";
    F_kind => "Kind", "Typ";
    F_outer_zone => "Outer zone", "Yttre zon";
    F_inner_zone => "Inner zone", "Inre zon";
    F_closed_at_level2 => "Closed at level 2", "Stängd vid nivå 2";
    F_lat => "Latitude", "Latitud";
    F_lon => "Longitude", "Longitud";
    F_responder => "Responder (level 3)", "Insatspersonal (nivå 3)";
    F_number => "Card number", "Kortnummer";
    F_holder => "Holder", "Innehavare";
    F_generic => "Generic card", "Generellt kort";
    F_state => "State", "Status";
    F_valid_from_ms => "Valid from", "Giltigt från";
    F_valid_until_ms => "Valid until", "Giltigt till";
    F_plate => "Plate", "Registreringsnummer";
    F_country => "Country", "Land";
    F_purpose => "Purpose", "Syfte";
    F_zones => "Zones", "Zoner";
    F_schedule => "Weekly schedule", "Veckoschema";
    F_issued_by_org => "Issued by", "Utfärdat av";
    F_escort_required => "Escort required", "Kräver eskort";
    F_visitor => "Visitor permit", "Besökstillstånd";
    F_vehicle => "Vehicle", "Fordon";
    F_suspended => "Suspended", "Spärrat";
    F_host => "Host", "Värd";
    F_person => "Person", "Person";
    F_reason => "Reason", "Orsak";
    V_normal => "Normal", "Normal";
    V_restricted => "Restricted area", "Begränsat område";
    V_sensitive => "Sensitive", "Känsligt";
    V_off => "Off", "Av";
    V_soft => "Soft (alert)", "Mjuk (larm)";
    V_hard => "Hard (deny)", "Hård (neka)";
    V_pedestrian => "Pedestrian", "Gående";
    V_vehicle => "Vehicle lane", "Fordonsfil";
    V_staff => "Staff", "Personal";
    V_contractor => "Contractor", "Entreprenör";
    V_driver => "Driver", "Förare";
    V_visitor => "Visitor", "Besökare";
    V_active => "Active", "Aktivt";
    V_suspended => "Suspended", "Spärrat";
    V_reported_lost => "Reported lost", "Anmält förlorat";
    V_revoked => "Revoked", "Återkallat";
    R_valid_permit => "Valid permit", "Giltigt tillstånd";
    R_unknown_visit => "No such visit booked", "Inget sådant besök bokat";
    R_visit_not_this_person => "Visit booked for someone else", "Besöket är bokat för någon annan";
    R_visit_not_in_force => "Visit not valid now", "Besöket gäller inte nu";
    R_exit => "Leaving", "Utpassering";
    R_outside_schedule => "Outside the permit's schedule", "Utanför tillståndets schema";
    R_no_permit => "No permit", "Inget tillstånd";
    R_zone_not_permitted => "Zone not covered by any permit", "Zonen omfattas inte av något tillstånd";
    R_permit_not_yet_valid => "Permit not valid yet", "Tillståndet gäller inte än";
    R_permit_expired => "Permit expired", "Tillståndet har gått ut";
    R_permit_suspended => "Permit suspended", "Tillståndet är spärrat";
    R_port_ban => "Port ban", "Hamnförbud";
    R_credential_not_active => "Card not active", "Kortet är inte aktivt";
    R_level2_visitor_permit => "Visitor permits stop at level 2", "Besökstillstånd gäller inte på nivå 2";
    R_level2_generic_card => "Generic cards stop at level 2", "Generella kort gäller inte på nivå 2";
    R_level2_gate_closed => "Gate closed at level 2", "Grinden är stängd på nivå 2";
    R_level3_responders_only => "Level 3: responders only", "Nivå 3: endast insatspersonal";
    R_escort_required => "Host not right ahead", "Värden passerade inte strax före";
    R_two_person_rule => "Waiting for a second card", "Väntar på ett andra kort";
    R_anti_passback => "Anti-passback", "Återinpasseringsspärr";
    R_anti_passback_soft => "Anti-passback (alert)", "Återinpasseringsspärr (larm)";
    R_unknown_gate => "Unknown gate", "Okänd grind";
    R_unknown_credential => "Unknown card", "Okänt kort";
    R_unknown_vehicle => "Unknown vehicle", "Okänt fordon";
    R_driver_not_identified => "Guard must identify the driver", "Vakten måste identifiera föraren";
    R_plate_mismatch => "Plate does not match the permit", "Registreringsnumret stämmer inte med tillståndet";
    R_internal_error => "Refused: internal error", "Nekad: internt fel";
    R_policy_error => "Refused: policy error", "Nekad: regelfel";
    R_release_withdrawn => "Pick-up: the line withdrew the release", "Hämtning: rederiet har dragit tillbaka frisläppandet";
    R_already_collected => "Pick-up: the container has already been collected", "Hämtning: containern är redan hämtad";
    R_release_expired => "Pick-up: the release has expired", "Hämtning: frisläppandet har gått ut";
    R_release_not_yet_valid => "Pick-up: the release is not valid yet", "Hämtning: frisläppandet gäller inte än";
    R_wrong_terminal => "Pick-up: released from another terminal", "Hämtning: frisläppt från en annan terminal";
    R_chain_incomplete => "Pick-up: the release right has not reached a haulier who accepted it", "Hämtning: rätten har inte nått ett åkeri som accepterat den";
    R_no_driver_assigned => "Pick-up: no driver is assigned", "Hämtning: ingen förare är tilldelad";
    R_wrong_driver => "Pick-up: not the assigned driver's card", "Hämtning: kortet tillhör inte den tilldelade föraren";
    R_truck_not_identified => "Pick-up: no plate was read", "Hämtning: ingen registreringsskylt lästes";
    R_wrong_truck => "Pick-up: not the assigned truck", "Hämtning: inte den tilldelade lastbilen";
    R_commercial_blocked => "Pick-up: the line blocks the release", "Hämtning: rederiet spärrar frisläppandet";
    R_not_discharged => "Pick-up: the terminal has not confirmed discharge", "Hämtning: terminalen har inte bekräftat lossning";
    R_terminal_blocked => "Pick-up: the terminal blocks the container", "Hämtning: terminalen spärrar containern";
    R_customs_unknown => "Pick-up: customs has not released the container", "Hämtning: tullen har inte frigjort containern";
    R_customs_red => "Pick-up: customs does not release the container", "Hämtning: tullen frigör inte containern";
    R_no_release => "Pick-up: no release of the container is known", "Hämtning: inget frisläppande av containern är känt";
    R_release_changed => "Pick-up: the release changed while the gate decided; present again", "Hämtning: frisläppandet ändrades under beslutet; visa kortet igen";
    R_scan_selected => "Selected for scanning: to the scanner lane", "Uttagen för röntgen: till röntgenfilen";
    EditPolicy => "Change the policy", "Ändra reglerna";
    Comment => "Why it changes", "Varför den ändras";
    NavMaritime => "Maritime picture", "Sjölägesbild";
    MapNoLibrary => "The map library was not bundled into this build (npm was unavailable when it was built); the vessel table below still updates live.", "Kartbiblioteket saknas i den här versionen (npm fanns inte när den byggdes); fartygstabellen nedan uppdateras ändå direkt.";
    MapHelp => "Vessels move as their AIS reports arrive. Circles are port geofences (ours in blue, high-risk ports in red). Select a vessel for its track, port calls, risk and alerts.", "Fartygen rör sig när deras AIS-rapporter kommer in. Cirklarna är hamnarnas geostaket (våra i blått, högriskhamnar i rött). Välj ett fartyg för spår, hamnanlöp, risk och larm.";
    Vessels => "Vessels", "Fartyg";
    VesselName => "Name", "Namn";
    Speed => "Speed (kn)", "Fart (knop)";
    Course => "Course", "Kurs";
    LastHeard => "Last heard", "Senast hörd";
    SelectVessel => "Select a vessel on the map or in the table.", "Välj ett fartyg på kartan eller i tabellen.";
    MapHelp2 => "Search by name or MMSI; shift-click a vessel to add its track to those shown. Dashed lines on a track are gaps in its AIS; rings are meetings with another vessel; triangles are open alerts.", "Sök på namn eller MMSI; skift-klicka på ett fartyg för att lägga till dess spår. Streckade linjer på ett spår är avbrott i dess AIS; ringar är möten med ett annat fartyg; trianglar är öppna larm.";
    MapSearch => "Find a vessel", "Sök fartyg";
    MapSearchPlaceholder => "Name or MMSI", "Namn eller MMSI";
    MapNoMatch => "No vessel matches", "Inget fartyg matchar";
    MapZoomTrack => "Zoom to track", "Zooma till spåret";
    MapClearTracks => "Clear tracks", "Rensa spår";
    MapShowAlerts => "Alerts on the map", "Larm på kartan";
    MapShowNames => "Names", "Namn";
    MapNoLand => "This build has no base layer (the coastline package could not be fetched when it was built): only ports and vessels are drawn.", "Den här versionen saknar bakgrundskarta (kustlinjepaketet kunde inte hämtas när den byggdes): bara hamnar och fartyg ritas.";
    MapCallSign => "Call sign", "Anropssignal";
    MapShipType => "Type", "Fartygstyp";
    MapSize => "Size", "Storlek";
    MapDraught => "Draught", "Djupgående";
    MapDestination => "Destination", "Destination";
    MapEta => "ETA", "Beräknad ankomst";
    MapNavStatus => "Status", "Status";
    MapNotAvailable => "not available", "uppgift saknas";
    MapRisk => "Risk", "Risk";
    MapPortCalls => "Port calls", "Hamnanlöp";
    MapNoPortCalls => "No port calls in the stored history.", "Inga hamnanlöp i den lagrade historiken.";
    MapAlerts => "Alerts", "Larm";
    MapNoAlerts => "No alerts on this vessel.", "Inga larm om fartyget.";
    MapTrack => "Track", "Spår";
    MapTrackPoints => "points over the last 24 hours", "punkter de senaste 24 timmarna";
    MapGap => "No AIS for", "Ingen AIS på";
    MapGaps => "AIS gaps", "AIS-avbrott";
    MapMet => "Met", "Mötte";
    MapShowBoth => "Show both tracks", "Visa båda spåren";
    MapMinutes => "min", "min";
    MapImoWarning => "check digit fails", "kontrollsiffran stämmer inte";
    MapLoading => "Loading…", "Hämtar…";
    MapOpenAlert => "Open the alert", "Öppna larmet";
    RfHighRiskPorts => "{n} call(s) in {days} days at {ports}", "{n} anlöp på {days} dagar i {ports}";
    RfDark => "{n} AIS gap(s) under way in {days} days", "{n} AIS-avbrott under gång på {days} dagar";
    RfEncounters => "{n} encounter(s) at sea in {days} days", "{n} möten till sjöss på {days} dagar";
    RfLoitering => "{n} loitering event(s) in {days} days", "{n} fall av dröjande på {days} dagar";
    RfIdentity => "{n} identity change(s) in {days} days", "{n} identitetsbyten på {days} dagar";
    RfJumps => "{n} impossible jump(s) in {days} days", "{n} omöjliga förflyttningar på {days} dagar";
    RfMidUnallocated => "MID {mid} is not allocated to any country", "MID {mid} är inte tilldelad något land";
    RfMidMismatch => "MID {mid} is {country}'s but the declared flag is {flag}", "MID {mid} hör till {country} men den angivna flaggan är {flag}";
    RfInvalidImo => "the IMO number's check digit fails", "IMO-numrets kontrollsiffra stämmer inte";
    MapZoomMeeting => "Both tracks around the meeting", "Båda spåren kring mötet";
    AdminTabPeople => "Organisations, users and tokens", "Organisationer, användare och nycklar";
    AdminTabAis => "AIS sources", "AIS-källor";
    AdminTabBackups => "Backups", "Säkerhetskopior";
    AisHelp => "The AIS feeds this instance reads and their state now. On PostgreSQL one instance of the cluster reads each TCP feed and the others stand by, ready to take over.", "AIS-flödena som den här instansen läser och deras läge just nu. Med PostgreSQL läser en instans i klustret varje TCP-flöde medan de andra står i beredskap att ta över.";
    AisNone => "No AIS source is configured ([[ais.sources]] in the configuration file).", "Ingen AIS-källa är konfigurerad ([[ais.sources]] i konfigurationsfilen).";
    AisKind => "Kind", "Slag";
    AisSource => "Source", "Källa";
    AisState => "State", "Läge";
    AisSince => "Since", "Sedan";
    AisLeader => "Reads it", "Läser den";
    AisMessages => "Messages", "Meddelanden";
    AisLastMinute => "Last minute", "Senaste minuten";
    AisLastMessage => "Last message", "Senaste meddelande";
    AisLastError => "Last error", "Senaste fel";
    AisConnections => "Receivers", "Mottagare";
    AisThisInstance => "this instance", "den här instansen";
    AisOtherInstance => "another instance", "en annan instans";
    AisNotClustered => "this instance (not clustered)", "den här instansen (inget kluster)";
    AisTotals => "Ingest totals since start", "Totalt sedan start";
    AisLines => "Lines read", "Lästa rader";
    AisMalformed => "Malformed", "Felaktiga";
    AisDuplicates => "Duplicates", "Dubbletter";
    AisDropped => "Dropped (queue full)", "Tappade (kön full)";
    AisVessels => "Vessels in the picture", "Fartyg i lägesbilden";
    AisStConnecting => "connecting", "ansluter";
    AisStConnected => "connected", "ansluten";
    AisStListening => "listening", "lyssnar";
    AisStDisconnected => "disconnected", "frånkopplad";
    AisStStandby => "standing by", "i beredskap";
    AisStReplaying => "replaying", "spelas upp";
    AisStFinished => "played to the end", "uppspelad";
    BackupsHelp => "A backup is one SQLite file: a consistent copy of the whole database taken while it is in use, its audit chain verified before it is listed. Restore by starting the server on a copy of it (README, section Backup and the audit chain). The console never sends a backup over the network: copy it off this machine yourself.", "En säkerhetskopia är en SQLite-fil: en konsekvent kopia av hela databasen tagen under drift, vars granskningskedja kontrolleras innan den visas. Återställ genom att starta servern på en kopia av den (README, section Backup and the audit chain). Konsolen skickar aldrig en säkerhetskopia över nätet: flytta den själv från maskinen.";
    BackupsDir => "Backups are written to", "Säkerhetskopior skrivs till";
    BackupsNone => "No backup has been made in this directory yet.", "Ingen säkerhetskopia har gjorts i den här katalogen ännu.";
    BackupMake => "Make a backup now", "Gör en säkerhetskopia nu";
    BackupMade => "Backup written and verified:", "Säkerhetskopian är skriven och kontrollerad:";
    BackupEvents => "events, chain intact", "händelser, kedjan obruten";
    BackupFile => "File", "Fil";
    BackupSize => "Size", "Storlek";
    BackupTime => "Made", "Gjord";
    BackupPostgres => "This installation keeps its data in PostgreSQL: back it up with PostgreSQL's own tools (pg_dump, or base backups with WAL archiving). The console cannot make these.", "Den här installationen har sina data i PostgreSQL: säkerhetskopiera med PostgreSQL:s egna verktyg (pg_dump, eller basbackup med WAL-arkivering). Konsolen kan inte göra dem.";
    BackupCli => "From the command line, also scheduled:", "Från kommandoraden, även schemalagt:";
    NavTargeting => "Targeting", "Riskurval";
    NavReleases => "Releases", "Frisläppningar";
    RelNone => "No releases have reached your organisation.", "Inga frisläppningar har nått er organisation.";
    RelRelease => "Release", "Frisläppning";
    RelContainer => "Container", "Container";
    RelBl => "Bill of lading", "Konossement";
    RelHolder => "Holder", "Innehavare";
    RelState => "State", "Läge";
    RelLights => "Lights", "Klartecken";
    RelDriver => "Driver", "Förare";
    RelTruck => "Truck", "Lastbil";
    RelExpires => "Valid until", "Giltig till";
    RelChain => "Release-right chain", "Utlämningskedja";
    RelTimeline => "Timeline", "Tidslinje";
    RelOffered => "offered, awaiting answer", "erbjuden, inväntar svar";
    RelAccept => "Accept", "Acceptera";
    RelDecline => "Decline", "Avböj";
    RelRevoke => "Revoke what we gave on", "Återkalla det vi lämnat vidare";
    RelHandOn => "Hand on to", "Lämna vidare till";
    RelOffer => "Offer", "Erbjud";
    RelAssign => "Assign", "Tilldela";
    RelCommercial => "Commercial (line)", "Kommersiellt (rederi)";
    RelCustoms => "Customs", "Tull";
    RelTerminal => "Terminal", "Terminal";
    RelGreen => "green", "grönt";
    RelOrange => "orange", "orange";
    RelRed => "red", "rött";
    RelUnknown => "not yet released", "ännu inte klarerad";
    RelScan => "present for scanning", "ska till röntgen";
    RelNotDischarged => "not discharged", "inte lossad";
    RelActive => "active", "aktiv";
    RelWithdrawn => "withdrawn by the line", "återkallad av rederiet";
    RelCollected => "collected", "hämtad";
    RelRoleLine => "shipping line", "rederi";
    RelRoleReleaseTo => "release-to party", "mottagare";
    RelRoleDirector => "cargo director", "speditör (vidare)";
    RelRoleHaulier => "haulier", "åkeri";
    RelRoleSubcontractor => "executing subcontractor", "utförande underentreprenör";
    RelPickups => "The day's pick-ups and refusals", "Dagens hämtningar och avvisningar";
    RelNoPickups => "No container has been presented for pick-up today.", "Ingen container har visats upp för hämtning i dag.";
    RelPickedUp => "picked up", "hämtad";
    RelToScanner => "to the scanner", "till röntgen";
    RelRefused => "refused", "avvisad";
    RelTime => "Time", "Tid";
    RelGate => "Gate", "Grind";
    RelOutcome => "Outcome", "Utfall";
    RelWhy => "Why", "Varför";
    NavAssessments => "Assessments", "Sårbarhetsbedömningar";
    AsNone => "Your organisation has no assessments yet.", "Er organisation har inga bedömningar ännu.";
    AsNew => "Start an assessment", "Påbörja en bedömning";
    AsFacility => "Facility", "Anläggning";
    AsTitle => "Title", "Rubrik";
    AsStart => "Start", "Påbörja";
    AsReassess => "Reassess", "Bedöm på nytt";
    AsScore => "Controls met", "Uppfyllda krav";
    AsGaps => "Gaps ranked by risk", "Brister rangordnade efter risk";
    AsNoGaps => "No gaps: no control is answered not or partly in place.", "Inga brister: inget krav är besvarat som saknat eller delvis infört.";
    AsPracticesUsed => "Practices other ports used", "Metoder som andra hamnar använt";
    AsNoPractices => "No other port has shared a practice for this control.", "Ingen annan hamn har delat en metod för det här kravet.";
    AsControls => "Controls", "Krav";
    AsStatus => "Answer", "Svar";
    AsEvidence => "Evidence", "Underlag";
    AsSource => "Answered by", "Besvarat av";
    AsMeasure => "Measure from live facts", "Mät ur systemets fakta";
    AsConfirm => "Confirm", "Bekräfta";
    AsOverride => "Override", "Ändra svaret";
    AsReason => "Reason", "Skäl";
    AsSave => "Save", "Spara";
    AsScenarios => "Threat scenarios", "Hotscenarier";
    AsRisk => "Risk (threat × vulnerability × consequence)", "Risk (hot × sårbarhet × konsekvens)";
    AsAssets => "Assets and infrastructure", "Tillgångar och infrastruktur";
    AsActions => "Action plan", "Åtgärdsplan";
    AsOwner => "Owner", "Ansvarig";
    AsDue => "Due", "Klart senast";
    AsAddAction => "Add an action", "Lägg till en åtgärd";
    AsTrend => "Trend over the rounds", "Utveckling mellan omgångarna";
    AsReport => "PFSA report (PDF)", "Skyddsutredning (PDF)";
    AsActionsCsv => "Action plan (CSV)", "Åtgärdsplan (CSV)";
    AsHarmonisation => "Harmonised catalogue", "Harmoniserad kravkatalog";
    AsCatalogueVersions => "Versions", "Versioner";
    AsInForce => "in force", "gäller";
    AsLibrary => "Best-practice library", "Bibliotek med goda exempel";
    AsEffort => "Effort", "Insats";
    AsCost => "Cost band", "Kostnadsnivå";
    AsEffect => "Evidence of effect", "Belagd effekt";
    AsSame => "the same requirement", "samma krav";
    AsDiffers => "they differ", "de skiljer sig";
    AsSingle => "one instrument only", "bara ett regelverk";
    AsImplemented => "implemented", "infört";
    AsPartly => "partly", "delvis";
    AsNot => "not in place", "saknas";
    AsNotApplicable => "not applicable", "ej tillämpligt";
    AsUnanswered => "unanswered", "obesvarat";
    AsOpen => "open", "öppen";
    AsInProgress => "in progress", "pågår";
    AsDone => "done", "klar";
    AsBySystem => "measured, not yet confirmed", "uppmätt, ej bekräftat";
    AsConfirmed => "measured and confirmed", "uppmätt och bekräftat";
    AsOverridden => "overridden by the assessor", "ändrat av bedömaren";
    AsByAssessor => "the assessor", "bedömaren";
    AsMarking => "Marking", "Märkning";
    AsSharedBy => "Shared by", "Delad av";
    AsFacts => "the facts", "underlaget";
    EffLow => "low: days to weeks, within the security team", "låg: dagar till veckor, inom säkerhetsfunktionen";
    EffMedium => "medium: months, with other departments or a supplier", "medel: månader, med andra avdelningar eller en leverantör";
    EffHigh => "high: a programme of procurement, construction or agreements with authorities", "hög: ett program med upphandling, byggnation eller avtal med myndigheter";
    CostUnder100k => "under SEK 100,000", "under 100 000 kr";
    CostTo1m => "SEK 100,000 to 1 million", "100 000 kr till 1 miljon kr";
    CostTo10m => "SEK 1 to 10 million", "1 till 10 miljoner kr";
    CostOver10m => "over SEK 10 million", "över 10 miljoner kr";
    MfLevel2 => "Access policy version {version}: a general card with a valid permit is {general1} at level 1 and {general2} at level 2 (decided by {by}); a personal card at level 2 is {personal2}.", "Åtkomstpolicy version {version}: ett allmänt kort med giltigt tillstånd {general1} på nivå 1 och {general2} på nivå 2 (beslutat av {by}); ett personligt kort på nivå 2 {personal2}.";
    MfLetIn => "let in", "släpps in";
    MfRefused => "refused", "nekas";
    MfNoRule => "no rule", "ingen regel";
    MfChainVerifies => "The audit chain verifies: {n} events checked up to the head.", "Granskningskedjan är obruten: {n} händelser kontrollerade fram till den senaste.";
    MfChainBroken => "The audit chain does not verify: {problem}.", "Granskningskedjan är bruten: {problem}.";
    MfGateDecisionsOk => "{n} gate decisions are events in the audit chain, each with its reasons; the chain verifies.", "{n} grindbeslut är händelser i granskningskedjan, vart och ett med sina skäl; kedjan är obruten.";
    MfGateDecisionsBroken => "{n} gate decisions are events in the audit chain, each with its reasons; the chain does not verify.", "{n} grindbeslut är händelser i granskningskedjan, vart och ett med sina skäl; kedjan är bruten.";
    MfNoReleases => "No container release is handled in Hamnvakt: releases still travel outside it.", "Ingen containerfrisläppning hanteras i Hamnvakt: frisläppningarna går fortfarande utanför systemet.";
    MfReleases => "{n} releases handled without PIN codes, the right passed from party to party to a named driver and truck; {collected} collected after the gate checked the driver.", "{n} frisläppningar hanterade utan PIN-koder, rätten överlämnad från part till part till en namngiven förare och lastbil; {collected} hämtade efter att grinden kontrollerat föraren.";
    MfDetectors => "{n} of {total} insider detectors enabled: {list}.", "{n} av {total} detektorer för insiderbeteende påslagna: {list}.";
    MfDetRepeatedDenials => "repeated denials", "upprepade nekanden";
    MfDetUnusualHours => "unusual hours", "ovanliga tider";
    MfDetFirstSensitive => "first visit to a sensitive zone", "första besök i en känslig zon";
    MfDetImpossibleTravel => "impossible travel", "omöjlig förflyttning";
    MfDetStack => "at the stack outside a task", "vid containerstacken utan uppdrag";
    MfRiskAssessed => "{selected} of the {total} consignments of the last seven days risk-assessed and put in a lane ({share} %).", "{selected} av de {total} sändningarna de senaste sju dagarna riskbedömda och tilldelade en kanal ({share} %).";
    MfAisCoverage => "AIS positions within {km} km in the last 24 hours at {n} of {total} terminals{list}.", "AIS-positioner inom {km} km det senaste dygnet vid {n} av {total} terminaler{list}.";
    Worklist => "Worklist", "Arbetslista";
    Day => "Day", "Dag";
    Show => "Show", "Visa";
    RunSelection => "Run the day's selection", "Gör dagens urval";
    Risk => "Risk score", "Riskvärde";
    Reasons => "Reasons", "Skäl";
    Lane => "Lane", "Kanal";
    LaneRed => "Red: inspection or scan", "Röd: undersökning eller skanning";
    LaneYellow => "Yellow: documents", "Gul: dokumentkontroll";
    LaneBlue => "Blue: release, audit later", "Blå: frigörs, efterkontroll";
    LaneGreen => "Green: release", "Grön: frigörs";
    NotSelected => "not selected yet", "inte utvald ännu";
    Consignment => "Consignment", "Sändning";
    Reroute => "Re-route", "Byt kanal";
    RecordOutcome => "Record the outcome", "Registrera utfallet";
    ResultNothing => "Nothing found", "Inget funnet";
    ResultIrregularity => "Irregularity", "Oegentlighet";
    ResultSeizure => "Seizure", "Beslag";
    Goods => "Goods", "Varor";
    Quantity => "Quantity", "Mängd";
    Unit => "Unit", "Enhet";
    Profiles => "Risk profiles", "Riskprofiler";
    Hits => "Hits", "Träffar";
    Inspected => "Inspected", "Kontrollerade";
    Precision => "Precision", "Träffsäkerhet";
    NewProfile => "New profile (JSON)", "Ny profil (JSON)";
    SaveProfile => "Save", "Spara";
    WeeklyPrecision => "Weekly precision: targeted checks beside random checks", "Träffsäkerhet per vecka: riktade kontroller bredvid slumpkontroller";
    Targeted => "Targeted", "Riktade";
    RandomChecks => "Random", "Slumpvisa";
    Used => "used", "använda";
    ModelSays => "Model", "Modell";
    InspectionOutcome => "Outcome", "Utfall";
    CgDeclaration => "Declaration", "Deklaration";
    CgRoro => "Ro-ro unit", "Ro-ro-enhet";
    CgVesselCall => "Vessel call", "Fartygsanlöp";
    CgImporter => "Importer", "Importör";
    CgDeclarant => "Declarant", "Deklarant";
    CgSeller => "Seller", "Säljare";
    CgCarrier => "Carrier", "Transportör";
    CgHs => "Tariff code (HS)", "Varukod (HS)";
    CgOrigin => "Country of origin", "Ursprungsland";
    CgDeparture => "Country of departure", "Avsändningsland";
    CgRoute => "Route", "Rutt";
    CgMass => "Net mass", "Nettovikt";
    CgValue => "Customs value", "Tullvärde";
    CgValuePerKg => "Value per kg", "Värde per kg";
    CgAlerts => "Alerts about its container", "Larm om dess container";
    CgNoReasons => "No profile hits it and no model has scored it.", "Ingen profil träffar den och ingen modell har bedömt den.";
    AllLanes => "All lanes", "Alla kanaler";
    SelectionPlaced => "The selection placed consignments", "Urvalet placerade sändningar";
    InForce => "In force now", "Gäller nu";
    NavAdmin => "Administration", "Administration";
    ThemeSwitch => "Light or dark: system, dark, light", "Ljust eller mörkt: system, mörkt, ljust";
    AdminOrgs => "Organisations", "Organisationer";
    AdminUsers => "Users and roles", "Användare och roller";
    AdminRoles => "Roles", "Roller";
    AdminActive => "active", "aktiv";
    AdminDisabled => "disabled", "avstängd";
    AdminEnable => "Enable", "Aktivera";
    AdminDisable => "Disable", "Stäng av";
    AdminTokens => "API tokens", "API-nycklar";
    AdminExpires => "Expires", "Upphör";
    AdminRevoked => "revoked", "återkallad";
    AdminExpired => "expired", "utgången";
    AdminRevoke => "Revoke", "Återkalla";
    AdminLifetimeDays => "Valid for (days)", "Giltig (dagar)";
    AdminCreateToken => "Create token", "Skapa nyckel";
    TokenCreated => "Token created:", "Nyckel skapad:";
    TokenShownOnce => "Copy it now: the secret is shown this once and only its digest is stored.", "Kopiera den nu: hemligheten visas bara denna gång och endast dess kontrollsumma sparas.";
    OfTotal => "of", "av";
    Previous => "Previous", "Föregående";
    Next => "Next", "Nästa";
    NavIncidents => "Incidents", "Incidenter";
    NavShift => "Shift log", "Skiftlogg";
    IncOpenIncident => "Open an incident", "Öppna en incident";
    IncFromAlert => "Open an incident from this alert", "Öppna en incident från larmet";
    IncInIncident => "In incident", "Ingår i incident";
    IncTimeline => "Timeline", "Tidslinje";
    IncAddNote => "Add a note", "Lägg till anteckning";
    IncRecordAction => "Record an action", "Registrera en åtgärd";
    IncEscalate => "Escalate", "Eskalera";
    IncEscalateTo => "Escalate to", "Eskalera till";
    IncRaiseMarking => "Marking to let it through (needed for TLP:AMBER+STRICT)", "Märkning som släpper igenom (krävs för TLP:AMBER+STRICT)";
    IncKeepMarking => "Keep the marking", "Behåll märkningen";
    IncStart => "Start work", "Påbörja arbetet";
    IncClose => "Close the incident", "Stäng incidenten";
    IncReopen => "Reopen the incident", "Återöppna incidenten";
    IncStateOpen => "Open", "Öppen";
    IncStateInProgress => "In progress", "Pågår";
    IncStateClosed => "Closed", "Stängd";
    IncOutConfirmed => "Confirmed", "Bekräftad";
    IncOutPrevented => "Prevented", "Förhindrad";
    IncOutAttempted => "Attempted", "Misslyckat försök";
    IncOutBenign => "Benign", "Harmlös";
    IncOutFalsePositive => "False positive", "Falsklarm";
    IncEscalatedTo => "Escalated to", "Eskalerad till";
    IncHiddenAlerts => "alerts whose marking keeps them from you", "larm vars märkning hindrar dig från att se dem";
    IncHiddenAlert => "alert whose marking keeps it from you", "larm vars märkning hindrar dig från att se det";
    IncNone => "No incidents.", "Inga incidenter.";
    IncDescription => "Description", "Beskrivning";
    IncRecipients => "Named organisations", "Namngivna organisationer";
    IncEntities => "Entities", "Entiteter";
    IncAlerts => "Alerts", "Larm";
    IncUpdated => "Changed", "Ändrad";
    IncMergeInto => "Merge as a duplicate of", "Slå ihop som dubblett av";
    IncNothingToMergeInto => "No other open alert to merge this one into.", "Inget annat öppet larm att slå ihop det här med.";
    IncMerge => "Merge", "Slå ihop";
    IncDuplicateOf => "Duplicate of", "Dubblett av";
    IncReopenAlert => "Reopen the alert", "Återöppna larmet";
    TlOpened => "opened", "öppnad";
    TlNote => "note", "anteckning";
    TlAction => "action", "åtgärd";
    TlState => "state changed", "läget ändrat";
    TlSeverity => "severity changed", "allvarlighet ändrad";
    TlAlert => "alert linked", "larm kopplat";
    TlEntity => "entity added", "entitet tillagd";
    TlAttachment => "attachment", "bilaga";
    TlEscalated => "escalated", "eskalerad";
    ShiftTitle => "Shift log and handover", "Skiftlogg och överlämning";
    ShiftWrite => "Write in the log", "Skriv i loggen";
    ShiftEntry => "What happened (an observation, a call, a round, an action taken)", "Vad som hänt (en iakttagelse, ett samtal, en rond, en åtgärd)";
    ShiftHandOver => "Hand over", "Lämna över";
    ShiftSince => "Since the last handover", "Sedan förra överlämningen";
    ShiftFirst => "No handover yet: everything so far", "Ingen överlämning än: allt hittills";
    ShiftOpenAlerts => "Open alerts", "Öppna larm";
    ShiftIncidentsChanged => "Incidents changed", "Ändrade incidenter";
    ShiftEntries => "Log entries", "Loggposter";
    ShiftAcknowledge => "Acknowledge the handover", "Kvittera överlämningen";
    ShiftAcknowledgedBy => "Acknowledged by", "Kvitterad av";
    ShiftAwaiting => "Awaiting the incoming operator's acknowledgement", "Väntar på kvittens från inkommande operatör";
    ShiftHandovers => "Handovers", "Överlämningar";
    ShiftHandedOverBy => "Handed over by", "Överlämnad av";
    RelEv_issued => "issued by the line", "utfärdad av rederiet";
    RelEv_offered => "offered", "erbjuden";
    RelEv_accepted => "accepted", "accepterad";
    RelEv_declined => "declined", "avböjd";
    RelEv_revoked => "taken back", "återtagen";
    RelEv_assigned => "driver and truck assigned", "förare och lastbil tilldelade";
    RelEv_unassigned => "assignment taken back", "tilldelningen återtagen";
    RelEv_withdrawn => "withdrawn by the line", "tillbakadragen av rederiet";
    RelEv_reissued => "issued again", "utfärdad igen";
    RelEv_light => "a light set", "en lampa satt";
    RelEv_collected => "collected at the gate", "hämtad i grinden";
    RelEv_collect_undone => "collection undone", "hämtningen ångrad";
    AlEv_raised => "raised", "utlöst";
    AlEv_repeated => "seen again", "sett igen";
    AlEv_acknowledged => "acknowledged", "kvitterat";
    AlEv_assigned => "assigned", "tilldelat";
    AlEv_closed => "closed", "stängt";
    AlEv_reopened => "reopened", "återöppnat";
    AlEv_merged => "merged as a duplicate", "sammanfört som dubblett";
    AlEv_added_to_incident => "added to an incident", "lagt till i en incident";
    ActDetector => "detector", "detektor";
    ActCorrelation => "links across capabilities", "samband mellan förmågor";
    ActHamnvakt => "Hamnvakt itself", "Hamnvakt själv";
    ActDemo => "the demo's generator", "demons generator";
    ActApiToken => "API token", "API-token";
    AudOrganisation => "own organisation only", "endast den egna organisationen";
    AudNamed => "named organisations", "namngivna organisationer";
    AudCommunity => "the port community", "hamnens aktörer";
    AudAlliance => "the port community and the alliance's ports", "hamnens aktörer och alliansens hamnar";
    RelByTargeting => "selected by customs' targeting", "uttagen av tullens riskanalys";
    RelRevokeConfirm => "I take the right back from everyone after us", "Jag tar tillbaka rätten från alla efter oss";
    EvOpenAlert => "alert", "larm";
    ShiftNote => "Note to the incoming operator (optional)", "Meddelande till inkommande operatör (valfritt)";
    ShiftNoteShown => "Note", "Meddelande";
    ShiftContent => "What was handed over", "Vad som lämnades över";
    ShiftNothing => "Nothing", "Inget";
    ShiftRecentLog => "The log, last 24 hours", "Loggen, senaste dygnet";
}

/// Messages that are rightly the same in both languages (names, codes, loanwords).
pub const SAME_IN_BOTH: &[Msg] = &[
    Msg::AppName,
    Msg::E_mid,
    Msg::E_container,
    Msg::E_incident,
    Msg::E_version,
    Msg::E_id,
    Msg::E_text,
    Msg::E_person,
    Msg::NavAdmin,
    Msg::K1Person,
    Msg::Hash,
    Msg::Locode,
    Msg::Position,
    Msg::SevInfo,
    Msg::SkPerson,
    Msg::SkContainer,
    Msg::SkOrganisation,
    Msg::DirIn,
    Msg::Person,
    Msg::Organisation,
    Msg::PolicyVersion,
    Msg::F_person,
    Msg::F_org_id,
    Msg::V_normal,
    Msg::RelContainer,
    Msg::RelTerminal,
    Msg::RelOrange,
    Msg::MapDestination,
    Msg::MapNavStatus,
    Msg::MapRisk,
    Msg::MapMinutes,
    Msg::FxDestination,
    Msg::RlContainer,
    Msg::RlOrganisation,
];

pub fn severity(s: Severity) -> Msg {
    match s {
        Severity::Info => Msg::SevInfo,
        Severity::Low => Msg::SevLow,
        Severity::Medium => Msg::SevMedium,
        Severity::High => Msg::SevHigh,
        Severity::Critical => Msg::SevCritical,
    }
}

pub fn state(s: AlertState) -> Msg {
    match s {
        AlertState::Open => Msg::StOpen,
        AlertState::Acknowledged => Msg::StAcknowledged,
        AlertState::Assigned => Msg::StAssigned,
        AlertState::Closed => Msg::StClosed,
    }
}

pub fn outcome(o: Outcome) -> Msg {
    match o {
        Outcome::Confirmed => Msg::OutConfirmed,
        Outcome::FalsePositive => Msg::OutFalsePositive,
        Outcome::Benign => Msg::OutBenign,
        Outcome::Duplicate => Msg::OutDuplicate,
    }
}

pub fn role(r: Role) -> Msg {
    match r {
        Role::Operator => Msg::RoleOperator,
        Role::Pfso => Msg::RolePfso,
        Role::TargetingOfficer => Msg::RoleTargeting,
        Role::Analyst => Msg::RoleAnalyst,
        Role::Administrator => Msg::RoleAdministrator,
        Role::PlatformAdministrator => Msg::RolePlatformAdministrator,
        Role::MachineClient => Msg::RoleMachine,
        Role::GateController => Msg::RoleGateController,
        Role::CustomsSystem => Msg::RoleCustomsSystem,
        Role::PortCallSystem => Msg::RolePortCallSystem,
        Role::Dispatcher => Msg::RoleDispatcher,
        Role::ReleaseSystem => Msg::RoleReleaseSystem,
    }
}

pub fn subject_kind(k: SubjectKind) -> Msg {
    match k {
        SubjectKind::Person => Msg::SkPerson,
        SubjectKind::Credential => Msg::SkCredential,
        SubjectKind::Vehicle => Msg::SkVehicle,
        SubjectKind::Container => Msg::SkContainer,
        SubjectKind::Vessel => Msg::SkVessel,
        SubjectKind::Zone => Msg::SkZone,
        SubjectKind::Organisation => Msg::SkOrganisation,
        SubjectKind::Site => Msg::SkSite,
        SubjectKind::Gate => Msg::SkGate,
        SubjectKind::Consignment => Msg::SkConsignment,
        SubjectKind::Release => Msg::SkRelease,
        SubjectKind::VesselCall => Msg::SkVesselCall,
    }
}

/// A subject's label as the reader reads it. Labels are mostly names (a person's, a vessel's, a
/// zone's), which stay as they are; the few role words detectors put in front of a name (the
/// release detector's "assigned: …", "presented: …", "release of …", and "haulier holding
/// the release") are written in the reader's language, for alerts stored before and after.
pub fn subject_label(lang: Lang, label: &str) -> String {
    if lang == Lang::En {
        return label.to_owned();
    }
    const ROLES: &[(&str, &str)] = &[
        ("assigned: ", "tilldelad förare: "),
        ("presented: ", "förare i grinden: "),
        ("release of ", "frisläppande av "),
    ];
    if label == "haulier holding the release" {
        return "åkeriet som innehar frisläppandet".to_owned();
    }
    for (en, sv) in ROLES {
        if let Some(rest) = label.strip_prefix(en) {
            return format!("{sv}{rest}");
        }
    }
    label.to_owned()
}

pub fn org_kind(k: OrgKind) -> Msg {
    match k {
        OrgKind::PortAuthority => Msg::OkPortAuthority,
        OrgKind::TerminalOperator => Msg::OkTerminal,
        OrgKind::Customs => Msg::OkCustoms,
        OrgKind::Police => Msg::OkPolice,
        OrgKind::CoastGuard => Msg::OkCoastGuard,
        OrgKind::MaritimeAdministration => Msg::OkMaritime,
        OrgKind::Haulier => Msg::OkHaulier,
        OrgKind::Forwarder => Msg::OkForwarder,
        OrgKind::ShippingLine => Msg::OkShippingLine,
        OrgKind::Contractor => Msg::OkContractor,
        OrgKind::OtherPort => Msg::OkOtherPort,
    }
}

/// The console's words for a step in a release's timeline (`release.offered` …); unknown
/// kinds are shown as they are.
pub fn release_event(kind: &str) -> Option<Msg> {
    Some(match kind.strip_prefix("release.")? {
        "issued" => Msg::RelEv_issued,
        "offered" => Msg::RelEv_offered,
        "accepted" => Msg::RelEv_accepted,
        "declined" => Msg::RelEv_declined,
        "revoked" => Msg::RelEv_revoked,
        "assigned" => Msg::RelEv_assigned,
        "unassigned" => Msg::RelEv_unassigned,
        "withdrawn" => Msg::RelEv_withdrawn,
        "reissued" => Msg::RelEv_reissued,
        "light" => Msg::RelEv_light,
        "collected" => Msg::RelEv_collected,
        "collect_undone" => Msg::RelEv_collect_undone,
        _ => return None,
    })
}

/// A number with `places` decimals and the reader's decimal sign (a comma in Swedish).
pub fn decimal(lang: Lang, x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    match lang {
        Lang::Sv => s.replace('.', ","),
        Lang::En => s,
    }
}

/// `template` with each `{name}` replaced by its value (the messages' placeholders).
pub fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The console's words for a card's state, by its code.
pub const CREDENTIAL_STATES: &[(&str, Msg)] = &[
    ("active", Msg::V_active),
    ("suspended", Msg::V_suspended),
    ("reported_lost", Msg::V_reported_lost),
    ("revoked", Msg::V_revoked),
];

/// The console's words for a container release's state.
pub fn release_state(s: hamnvakt_release::ReleaseState) -> Msg {
    use hamnvakt_release::ReleaseState;
    match s {
        ReleaseState::Active => Msg::RelActive,
        ReleaseState::Withdrawn => Msg::RelWithdrawn,
        ReleaseState::Collected => Msg::RelCollected,
    }
}

/// The words for `code` in `table`, when it is there.
pub fn coded(table: &[(&str, Msg)], code: &str) -> Option<Msg> {
    table.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

/// The console's words for an incident's state.
pub fn incident_state(s: hamnvakt_incidents::IncidentState) -> Msg {
    use hamnvakt_incidents::IncidentState;
    match s {
        IncidentState::Open => Msg::IncStateOpen,
        IncidentState::InProgress => Msg::IncStateInProgress,
        IncidentState::Closed => Msg::IncStateClosed,
    }
}

/// The console's words for an event in an alert's history (`alert.acknowledged` …); unknown
/// kinds are shown as they are.
pub fn alert_event(kind: &str) -> Option<Msg> {
    Some(match kind.strip_prefix("alert.")? {
        "raised" => Msg::AlEv_raised,
        "repeated" => Msg::AlEv_repeated,
        "acknowledged" => Msg::AlEv_acknowledged,
        "assigned" => Msg::AlEv_assigned,
        "closed" => Msg::AlEv_closed,
        "reopened" => Msg::AlEv_reopened,
        "merged" => Msg::AlEv_merged,
        "added_to_incident" => Msg::AlEv_added_to_incident,
        _ => return None,
    })
}

/// Who did something, in the console's words, for the actors that are not a person: a
/// detector (`detector:ais` → "detector: Maritime picture"), Hamnvakt's own jobs (`system:…`)
/// and the demo's generator. `None` for people and tokens, which the page names itself.
pub fn machine_actor(lang: Lang, actor: &str) -> Option<String> {
    if let Some(capability) = actor.strip_prefix("detector:") {
        let area = match capability {
            "access" => Msg::NavAccess.text(lang),
            "ais" => Msg::NavMaritime.text(lang),
            "targeting" => Msg::NavTargeting.text(lang),
            "release" => Msg::NavReleases.text(lang),
            "correlation" => Msg::ActCorrelation.text(lang),
            other => other,
        };
        return Some(format!("{}: {area}", Msg::ActDetector.text(lang)));
    }
    if actor.starts_with("system:") {
        return Some(Msg::ActHamnvakt.text(lang).to_owned());
    }
    (actor == "demo").then(|| Msg::ActDemo.text(lang).to_owned())
}

/// The console's words for a marking's audience.
/// The console's words for why the rule lets a reader see an object, or not (the API's are the
/// rule's own English, `Why`'s and `WhyNot`'s `Display`).
pub fn why(
    lang: Lang,
    answer: Result<hamnvakt_core::marking::Why, hamnvakt_core::marking::WhyNot>,
) -> &'static str {
    use hamnvakt_core::marking::{Why, WhyNot};
    match answer {
        Ok(Why::Owner) => Msg::WhyOwner,
        Ok(Why::Named) => Msg::WhyNamed,
        Ok(Why::Community) => Msg::WhyCommunity,
        Ok(Why::Alliance) => Msg::WhyAlliance,
        Err(WhyNot::OwnerOnly) => Msg::WhyNotOwnerOnly,
        Err(WhyNot::NotNamed) => Msg::WhyNotNamed,
        Err(WhyNot::NotInCommunity) => Msg::WhyNotCommunity,
        Err(WhyNot::MarkingForbidsAudience) => Msg::WhyNotMarking,
    }
    .text(lang)
}

pub fn audience(lang: Lang, a: hamnvakt_core::marking::Audience) -> &'static str {
    use hamnvakt_core::marking::Audience;
    match a {
        Audience::Organisation => Msg::AudOrganisation,
        Audience::Named => Msg::AudNamed,
        Audience::Community => Msg::AudCommunity,
        Audience::Alliance => Msg::AudAlliance,
    }
    .text(lang)
}

/// Every reason code the console has words for.
pub const REASON_CODES: &[&str] = &[
    "valid_permit",
    "exit",
    "outside_schedule",
    "no_permit",
    "zone_not_permitted",
    "permit_not_yet_valid",
    "permit_expired",
    "permit_suspended",
    "port_ban",
    "credential_not_active",
    "level2_visitor_permit",
    "level2_generic_card",
    "level2_gate_closed",
    "level3_responders_only",
    "escort_required",
    "two_person_rule",
    "anti_passback",
    "anti_passback_soft",
    "unknown_gate",
    "unknown_credential",
    "unknown_vehicle",
    "driver_not_identified",
    "plate_mismatch",
    "internal_error",
    "policy_error",
    "unknown_visit",
    "visit_not_this_person",
    "visit_not_in_force",
    "release_withdrawn",
    "already_collected",
    "release_expired",
    "release_not_yet_valid",
    "wrong_terminal",
    "chain_incomplete",
    "no_driver_assigned",
    "wrong_driver",
    "truck_not_identified",
    "wrong_truck",
    "commercial_blocked",
    "not_discharged",
    "terminal_blocked",
    "customs_unknown",
    "customs_red",
    "no_release",
    "release_changed",
    "scan_selected",
];

/// The console's words for a gate decision's reason code; unknown codes are shown as they are.
pub fn reason(code: &str) -> Option<Msg> {
    Some(match code {
        "valid_permit" => Msg::R_valid_permit,
        "unknown_visit" => Msg::R_unknown_visit,
        "visit_not_this_person" => Msg::R_visit_not_this_person,
        "visit_not_in_force" => Msg::R_visit_not_in_force,
        "exit" => Msg::R_exit,
        "outside_schedule" => Msg::R_outside_schedule,
        "no_permit" => Msg::R_no_permit,
        "zone_not_permitted" => Msg::R_zone_not_permitted,
        "permit_not_yet_valid" => Msg::R_permit_not_yet_valid,
        "permit_expired" => Msg::R_permit_expired,
        "permit_suspended" => Msg::R_permit_suspended,
        "port_ban" => Msg::R_port_ban,
        "credential_not_active" => Msg::R_credential_not_active,
        "level2_visitor_permit" => Msg::R_level2_visitor_permit,
        "level2_generic_card" => Msg::R_level2_generic_card,
        "level2_gate_closed" => Msg::R_level2_gate_closed,
        "level3_responders_only" => Msg::R_level3_responders_only,
        "escort_required" => Msg::R_escort_required,
        "two_person_rule" => Msg::R_two_person_rule,
        "anti_passback" => Msg::R_anti_passback,
        "anti_passback_soft" => Msg::R_anti_passback_soft,
        "unknown_gate" => Msg::R_unknown_gate,
        "unknown_credential" => Msg::R_unknown_credential,
        "unknown_vehicle" => Msg::R_unknown_vehicle,
        "driver_not_identified" => Msg::R_driver_not_identified,
        "plate_mismatch" => Msg::R_plate_mismatch,
        "internal_error" => Msg::R_internal_error,
        "policy_error" => Msg::R_policy_error,
        "release_withdrawn" => Msg::R_release_withdrawn,
        "already_collected" => Msg::R_already_collected,
        "release_expired" => Msg::R_release_expired,
        "release_not_yet_valid" => Msg::R_release_not_yet_valid,
        "wrong_terminal" => Msg::R_wrong_terminal,
        "chain_incomplete" => Msg::R_chain_incomplete,
        "no_driver_assigned" => Msg::R_no_driver_assigned,
        "wrong_driver" => Msg::R_wrong_driver,
        "truck_not_identified" => Msg::R_truck_not_identified,
        "wrong_truck" => Msg::R_wrong_truck,
        "commercial_blocked" => Msg::R_commercial_blocked,
        "not_discharged" => Msg::R_not_discharged,
        "terminal_blocked" => Msg::R_terminal_blocked,
        "customs_unknown" => Msg::R_customs_unknown,
        "customs_red" => Msg::R_customs_red,
        "no_release" => Msg::R_no_release,
        "release_changed" => Msg::R_release_changed,
        "scan_selected" => Msg::R_scan_selected,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_translated() {
        for m in Msg::ALL {
            let (en, sv) = (m.text(Lang::En), m.text(Lang::Sv));
            assert!(
                !en.trim().is_empty() && !sv.trim().is_empty(),
                "{m:?} is empty"
            );
            assert!(
                en != sv || SAME_IN_BOTH.contains(m),
                "{m:?} has the same text in both languages: {en:?}"
            );
        }
        for m in SAME_IN_BOTH {
            assert_eq!(
                m.text(Lang::En),
                m.text(Lang::Sv),
                "{m:?} is listed as the same but differs"
            );
        }
    }

    #[test]
    fn every_gate_decision_reason_has_words() {
        // The codes the decision can produce: `reason("…"` in decide.rs, `@id("…")` in the
        // default policy (except the exit and permit rules that name themselves).
        let decide = include_str!("../../../access/src/decide.rs");
        let policy = include_str!("../../../access/policies/default.cedar");
        let mut codes: Vec<&str> = decide
            .split("reason(")
            .skip(1)
            .filter_map(|s| s.trim_start().strip_prefix('"'))
            .filter_map(|s| s.split('"').next())
            .collect();
        codes.extend(
            policy
                .split("@id(\"")
                .skip(1)
                .filter_map(|s| s.split('"').next()),
        );
        // And the pick-up's: `fail("…"` in the release gate, `code: "…"` where the server
        // adds its own.
        let gate = include_str!("../../../release/src/gate.rs");
        let service = include_str!("../release/service.rs");
        codes.extend(
            gate.split("fail(")
                .skip(1)
                .filter_map(|s| s.trim_start().strip_prefix('"'))
                .filter_map(|s| s.split('"').next()),
        );
        codes.extend(
            service
                .split("code: \"")
                .skip(1)
                .filter_map(|s| s.split('"').next()),
        );
        assert!(codes.contains(&"wrong_driver") && codes.contains(&"scan_selected"));
        assert!(codes.len() > 20, "{codes:?}");
        for code in codes {
            assert!(reason(code).is_some(), "no words for reason code {code}");
            assert!(
                REASON_CODES.contains(&code),
                "{code} missing from REASON_CODES (the live feed's labels)"
            );
        }
    }

    #[test]
    fn every_release_step_has_words() {
        // The kinds a release's timeline and stream carry: `KINDS` in release/stream.rs.
        let stream = include_str!("../release/stream.rs");
        let kinds: Vec<String> = stream
            .split("\"release.")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(|k| format!("release.{k}"))
            .collect();
        assert!(kinds.len() >= 10, "{kinds:?}");
        for k in kinds {
            assert!(release_event(&k).is_some(), "no words for {k}");
        }
    }

    #[test]
    fn decimals_have_the_readers_sign() {
        assert_eq!(decimal(Lang::Sv, 48.0, 1), "48,0");
        assert_eq!(decimal(Lang::En, 69.25, 1), "69.2");
        assert_eq!(decimal(Lang::Sv, 3.0, 0), "3");
    }

    #[test]
    fn every_alert_event_has_words() {
        // The kinds an alert's history carries: those its services record under the alert.
        let sources = [
            include_str!("../alerts/service.rs"),
            include_str!("../alerts/stream.rs"),
            include_str!("../incidents/service.rs"),
        ];
        let kinds: std::collections::BTreeSet<String> = sources
            .iter()
            .flat_map(|src| src.split("\"alert.").skip(1))
            .filter_map(|s| s.split('"').next())
            // Recorded under the finding that was kept out, not under any alert.
            .filter(|k| *k != "not_raised")
            .map(|k| format!("alert.{k}"))
            .collect();
        assert!(kinds.len() >= 8, "{kinds:?}");
        for k in kinds {
            assert!(alert_event(&k).is_some(), "no words for {k}");
        }
    }

    #[test]
    fn machines_are_named_in_words_and_people_left_to_the_page() {
        assert_eq!(
            machine_actor(Lang::Sv, "detector:access").as_deref(),
            Some("detektor: Passerkontroll")
        );
        assert_eq!(
            machine_actor(Lang::En, "detector:ais").as_deref(),
            Some("detector: Maritime picture")
        );
        assert_eq!(
            machine_actor(Lang::Sv, "system:alerts").as_deref(),
            Some("Hamnvakt själv")
        );
        assert_eq!(machine_actor(Lang::Sv, "user:4f1c"), None);
        assert_eq!(machine_actor(Lang::Sv, "token:4f1c"), None);
    }

    #[test]
    fn accept_language_picks_the_first_known() {
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,sv;q=0.8"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("de, sv-SE;q=0.5"), Lang::Sv);
        assert_eq!(Lang::from_accept_language(""), Lang::Sv);
    }
}

#[cfg(test)]
mod subject_label_tests {
    use super::{subject_label, Lang};

    #[test]
    fn detector_role_words_are_written_in_swedish_and_names_are_left_alone() {
        assert_eq!(
            subject_label(Lang::Sv, "assigned: Janis Kazlauskas"),
            "tilldelad förare: Janis Kazlauskas"
        );
        assert_eq!(
            subject_label(Lang::Sv, "haulier holding the release"),
            "åkeriet som innehar frisläppandet"
        );
        assert_eq!(
            subject_label(Lang::Sv, "release of MSKU4839210 (NSFS332761GYE)"),
            "frisläppande av MSKU4839210 (NSFS332761GYE)"
        );
        assert_eq!(subject_label(Lang::Sv, "ANDES TRADER"), "ANDES TRADER");
        assert_eq!(
            subject_label(Lang::En, "assigned: Janis Kazlauskas"),
            "assigned: Janis Kazlauskas"
        );
    }
}

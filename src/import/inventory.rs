//! An inventory file (a CMMS export, a hand-kept spreadsheet, a CSV) → device records.
//!
//! The file is read with [`super::sheet`] (xlsx, ods, xls or CSV, sniffed from the bytes). Then:
//!
//! - **Header row.** With `--header-row N` that row; otherwise, among the first
//!   [`HEADER_SCAN_ROWS`] rows with at least two non-empty text cells, the first one naming the
//!   most known columns (aliases in [`HEADER_ALIASES`], every field's header and key, and the
//!   columns named by `--map`). Title rows and merged group headers above it are skipped.
//! - **Columns.** Headers are compared after [`normalize_header`] (case, accents, spacing and
//!   punctuation ignored). A header equal to an alias maps to its field; failing that, a header
//!   that starts with an alias of two or more words does (`Código de inventario interno…` →
//!   `asset_tag`). `--map "COLUMN=FIELD"` overrides: COLUMN is a header (or, when no header
//!   matches, a column letter such as `K`); FIELD is a field key (kebab-case accepted), `extra`
//!   to keep the column as an extra attribute, or `-` / `ignore` to drop it. Each field takes one
//!   column: a second column that looks like the same field is kept as an extra attribute, with a
//!   warning. Columns of computed fields (`Device ID`, `Steps Compliance %`, ...) are dropped.
//!   Every other column is kept as an extra attribute under its header.
//! - **Values.** Each cell's text ([`CellValue::to_text`]: numbers keep all their digits, no
//!   `.0`) is trimmed and normalised by [`FieldDef::normalize`]. Spreadsheet dates fill date
//!   fields; a plain number in a date field is read as a date serial (1900 or 1904 system of the
//!   workbook) unless it looks like a year alone, which is rejected. In yes/no fields `Sí`, `Ja`,
//!   `Oui`, `Sim`, `TRUE`, `1` and their negatives are understood. A placeholder (`N/A`, `NI`,
//!   `-`, `No tiene`, `Unknown`, ...) counts as empty where it is not a valid value, and always
//!   in `asset_tag`, `serial_number` and `udi_di` (so such values never match two devices on
//!   re-import); each column's placeholders are reported in one warning.
//! - **Rows.** Completely empty rows are skipped silently. A row with a value that does not fit
//!   its field (a bad date, a bad IP, a value not in the field's list, a spreadsheet error) is
//!   rejected whole, naming the cell, the column and the value. A row without a name is named
//!   after `manufacturer model`, else its host name, asset tag, serial number, IP or MAC (with a
//!   warning); a row with none of these is rejected because nothing identifies the device.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::sheet::{
    self, CellValue, POSSIBLY_DAMAGED_NOTE, Row, SheetError, Table, TableFormat, cell_address,
    column_letter,
};
use crate::device::fields::{self, FIELDS, FieldDef, FieldError, FieldKind};

/// How many rows (rows holding a value) are searched for the header row.
pub const HEADER_SCAN_ROWS: usize = 50;

/// Column header aliases → field keys. Besides these, every field's own header (`Serial
/// Number`) and key (`serial_number`) are recognised. Headers are compared after
/// [`normalize_header`], so case, accents and punctuation do not matter (`Nº de serie`,
/// `N° de série` and `no. de serie` all work). Generic words that would put free text into a
/// strictly validated field (`Type` or `Category` → `category`, `Parent` → `parent_device`,
/// `Remote Access` → `vendor_remote_access`) are deliberately left out, so that a column of
/// free text does not get every row rejected: map them with `--map` when their values fit.
pub const HEADER_ALIASES: &[(&str, &str)] = &[
    // asset_tag
    ("Asset", "asset_tag"),
    ("Asset #", "asset_tag"),
    ("Asset No", "asset_tag"),
    ("Asset Number", "asset_tag"),
    ("Asset ID", "asset_tag"),
    ("Asset Tag Number", "asset_tag"),
    ("Tag", "asset_tag"),
    ("Tag Number", "asset_tag"),
    ("Equipment ID", "asset_tag"),
    ("Equipment Number", "asset_tag"),
    ("Equipment No", "asset_tag"),
    ("Control Number", "asset_tag"),
    ("Control No", "asset_tag"),
    ("Inventory Number", "asset_tag"),
    ("Inventory No", "asset_tag"),
    ("Inventory #", "asset_tag"),
    ("Inventory ID", "asset_tag"),
    ("Property Number", "asset_tag"),
    ("Número de inventario", "asset_tag"),
    ("No. de inventario", "asset_tag"),
    ("Nº de inventario", "asset_tag"),
    ("N° de inventario", "asset_tag"),
    ("No. inventario", "asset_tag"),
    ("Código de inventario", "asset_tag"),
    ("Código del activo", "asset_tag"),
    ("Número de activo", "asset_tag"),
    ("Activo fijo", "asset_tag"),
    ("Placa", "asset_tag"),
    ("Número de placa", "asset_tag"),
    ("Número de patrimônio", "asset_tag"),
    ("Patrimônio", "asset_tag"),
    ("Numéro d'inventaire", "asset_tag"),
    ("N° d'inventaire", "asset_tag"),
    ("Inventarnummer", "asset_tag"),
    ("Inventar-Nr.", "asset_tag"),
    // name
    ("Name", "name"),
    ("Device", "name"),
    ("Device Name", "name"),
    ("Device Description", "name"),
    ("Description", "name"),
    ("Equipment", "name"),
    ("Equipment Name", "name"),
    ("Equipment Description", "name"),
    ("Asset Name", "name"),
    ("Asset Description", "name"),
    ("Item Description", "name"),
    ("Nombre", "name"),
    ("Nombre del equipo", "name"),
    ("Nombre del dispositivo", "name"),
    ("Equipo", "name"),
    ("Dispositivo", "name"),
    ("Descripción", "name"),
    ("Descripción del equipo", "name"),
    ("Nome do equipamento", "name"),
    ("Equipamento", "name"),
    ("Nom de l'équipement", "name"),
    ("Désignation", "name"),
    ("Bezeichnung", "name"),
    ("Gerät", "name"),
    ("Gerätebezeichnung", "name"),
    ("Gerätename", "name"),
    // manufacturer
    ("Make", "manufacturer"),
    ("Vendor", "manufacturer"),
    ("Mfr", "manufacturer"),
    ("Mfg", "manufacturer"),
    ("Manufacturer Name", "manufacturer"),
    ("Brand", "manufacturer"),
    ("OEM", "manufacturer"),
    ("Marca", "manufacturer"),
    ("Fabricante", "manufacturer"),
    ("Marca / Fabricante", "manufacturer"),
    ("Fabricant", "manufacturer"),
    ("Marque", "manufacturer"),
    ("Hersteller", "manufacturer"),
    ("Produttore", "manufacturer"),
    // model
    ("Model Number", "model"),
    ("Model No", "model"),
    ("Model #", "model"),
    ("Model Name", "model"),
    ("Modelo", "model"),
    ("Modèle", "model"),
    ("Modell", "model"),
    ("Modello", "model"),
    // serial_number
    ("Serial", "serial_number"),
    ("Serial No", "serial_number"),
    ("Serial #", "serial_number"),
    ("Serial Nbr", "serial_number"),
    ("S/N", "serial_number"),
    ("SN", "serial_number"),
    ("Serie", "serial_number"),
    ("Número de serie", "serial_number"),
    ("No. de serie", "serial_number"),
    ("Nº de serie", "serial_number"),
    ("N° de serie", "serial_number"),
    ("Nro. de serie", "serial_number"),
    ("Serial del equipo", "serial_number"),
    ("Número de série", "serial_number"),
    ("Numéro de série", "serial_number"),
    ("N° de série", "serial_number"),
    ("Seriennummer", "serial_number"),
    ("Serien-Nr.", "serial_number"),
    ("Matricola", "serial_number"),
    // udi_di
    ("UDI", "udi_di"),
    ("UDI DI", "udi_di"),
    ("Device Identifier", "udi_di"),
    ("GUDID", "udi_di"),
    // nomenclature_code
    ("Nomenclature", "nomenclature_code"),
    ("UMDNS", "nomenclature_code"),
    ("UMDNS Code", "nomenclature_code"),
    ("GMDN", "nomenclature_code"),
    ("GMDN Code", "nomenclature_code"),
    ("ECRI Code", "nomenclature_code"),
    ("EMDN", "nomenclature_code"),
    ("Código ECRI", "nomenclature_code"),
    ("Código UMDNS", "nomenclature_code"),
    ("Código GMDN", "nomenclature_code"),
    ("Código EMDN", "nomenclature_code"),
    // regulatory_class (an open list: other schemes' classes are kept as typed)
    ("Risk Class", "regulatory_class"),
    ("Device Class", "regulatory_class"),
    ("Class", "regulatory_class"),
    ("FDA Class", "regulatory_class"),
    ("Clasificación por riesgo", "regulatory_class"),
    ("Clasificación de riesgo", "regulatory_class"),
    ("Clase de riesgo", "regulatory_class"),
    ("Clase", "regulatory_class"),
    ("Classe de risco", "regulatory_class"),
    ("Classe de risque", "regulatory_class"),
    ("Risikoklasse", "regulatory_class"),
    // software / firmware / OS
    ("Software", "software_version"),
    ("SW Version", "software_version"),
    ("Software Rev", "software_version"),
    ("Software Revision", "software_version"),
    ("Application Version", "software_version"),
    ("Versión de software", "software_version"),
    ("Versão do software", "software_version"),
    ("Version du logiciel", "software_version"),
    ("Softwareversion", "software_version"),
    ("Firmware", "firmware_version"),
    ("FW Version", "firmware_version"),
    ("Firmware Rev", "firmware_version"),
    ("Versión de firmware", "firmware_version"),
    ("Firmwareversion", "firmware_version"),
    ("OS", "operating_system"),
    ("O/S", "operating_system"),
    ("OS Version", "operating_system"),
    ("Sistema operativo", "operating_system"),
    ("Sistema operacional", "operating_system"),
    ("Système d'exploitation", "operating_system"),
    ("Betriebssystem", "operating_system"),
    // support and lifecycle dates
    ("OS EOS", "os_end_of_support"),
    ("OS End of Life", "os_end_of_support"),
    ("OS EOL", "os_end_of_support"),
    ("End of Support", "manufacturer_end_of_support"),
    ("End of Support Date", "manufacturer_end_of_support"),
    ("End of Service", "manufacturer_end_of_support"),
    ("End of Service Date", "manufacturer_end_of_support"),
    ("EOS", "manufacturer_end_of_support"),
    ("Fin de soporte", "manufacturer_end_of_support"),
    ("EOL", "end_of_life"),
    ("End of Life Date", "end_of_life"),
    ("Fin de vida útil", "end_of_life"),
    ("Installation Date", "install_date"),
    ("Date Installed", "install_date"),
    ("In Service Date", "install_date"),
    ("Fecha de instalación", "install_date"),
    ("Data de instalação", "install_date"),
    ("Date d'installation", "install_date"),
    ("Installationsdatum", "install_date"),
    ("Inbetriebnahme", "install_date"),
    // location and ownership
    ("Facility", "site"),
    ("Campus", "site"),
    ("Sede", "site"),
    ("Sitio", "site"),
    ("Établissement", "site"),
    ("Standort", "site"),
    ("Room", "room"),
    ("Location", "room"),
    ("Physical Location", "room"),
    ("Building", "room"),
    ("Ubicación", "room"),
    ("Ubicación física", "room"),
    ("Localización", "room"),
    ("Sala", "room"),
    ("Localização", "room"),
    ("Emplacement", "room"),
    ("Salle", "room"),
    ("Raum", "room"),
    ("Department", "department"),
    ("Dept", "department"),
    ("Clinical Unit", "department"),
    ("Unit", "department"),
    ("Ward", "department"),
    ("Departamento", "department"),
    ("Servicio", "department"),
    ("Unidad", "department"),
    ("Setor", "department"),
    ("Serviço", "department"),
    ("Service", "department"),
    ("Abteilung", "department"),
    ("Responsible Person", "clinical_owner"),
    ("Custodian", "technical_custodian"),
    ("Biomed Contact", "technical_custodian"),
    ("Clinical Engineering Contact", "technical_custodian"),
    ("Security Contact", "security_contact"),
    ("IT Contact", "security_contact"),
    ("IT Security Contact", "security_contact"),
    // network
    ("Host Name", "hostname"),
    ("Host", "hostname"),
    ("DNS Name", "hostname"),
    ("Computer Name", "hostname"),
    ("Network Name", "hostname"),
    ("FQDN", "hostname"),
    ("Nombre de host", "hostname"),
    ("Rechnername", "hostname"),
    ("IP", "ip_addresses"),
    ("IP Address", "ip_addresses"),
    ("IP Addresses", "ip_addresses"),
    ("IPv4", "ip_addresses"),
    ("IPv4 Address", "ip_addresses"),
    ("IPv6", "ip_addresses"),
    ("IPv6 Address", "ip_addresses"),
    ("Dirección IP", "ip_addresses"),
    ("Endereço IP", "ip_addresses"),
    ("Adresse IP", "ip_addresses"),
    ("IP-Adresse", "ip_addresses"),
    ("MAC", "mac_addresses"),
    ("MAC Address", "mac_addresses"),
    ("MAC Addresses", "mac_addresses"),
    ("Ethernet Address", "mac_addresses"),
    ("Hardware Address", "mac_addresses"),
    ("Dirección MAC", "mac_addresses"),
    ("Endereço MAC", "mac_addresses"),
    ("Adresse MAC", "mac_addresses"),
    ("MAC-Adresse", "mac_addresses"),
    ("OUI Vendor", "mac_vendor"),
    ("NIC Vendor", "mac_vendor"),
    ("VLAN", "vlan"),
    ("VLAN ID", "vlan"),
    ("Network Segment", "vlan"),
    ("Open Ports", "network_services"),
    ("Stores PHI", "phi_stored"),
    ("ePHI Stored", "phi_stored"),
    ("MDS2 on File", "mds2_available"),
    ("Advisory URL", "advisory_url"),
    ("Security Advisory", "advisory_url"),
    ("PSIRT URL", "advisory_url"),
    // service contract / warranty
    ("Service Contract End", "service_contract_end"),
    ("Warranty End", "service_contract_end"),
    ("Warranty End Date", "service_contract_end"),
    ("Warranty Expiration", "service_contract_end"),
    ("Warranty Expiry", "service_contract_end"),
    ("End of Warranty", "service_contract_end"),
    ("Contract End", "service_contract_end"),
    ("Fin de garantía", "service_contract_end"),
    ("Fecha fin de garantía", "service_contract_end"),
    ("Fecha finalización garantía", "service_contract_end"),
    ("Vencimiento de garantía", "service_contract_end"),
    ("Fim da garantia", "service_contract_end"),
    ("Fin de garantie", "service_contract_end"),
    ("Garantieende", "service_contract_end"),
    // notes
    ("Comments", "notes"),
    ("Comment", "notes"),
    ("Remarks", "notes"),
    ("Observaciones", "notes"),
    ("Notas", "notes"),
    ("Comentarios", "notes"),
    ("Observações", "notes"),
    ("Remarques", "notes"),
    ("Commentaires", "notes"),
    ("Bemerkungen", "notes"),
    ("Anmerkungen", "notes"),
];

/// Values that mean "no value" (compared after [`normalize_header`]; an empty result is
/// punctuation only, such as `-`, `—`, `?` or `/`).
const PLACEHOLDERS: &[&str] = &[
    "",
    "n a",
    "na",
    "n i",
    "ni",
    "n t",
    "nt",
    "n d",
    "nd",
    "s n",
    "none",
    "null",
    "nil",
    "unknown",
    "unk",
    "tbd",
    "no tiene",
    "no aplica",
    "no informa",
    "no disponible",
    "no registra",
    "sin dato",
    "sin datos",
    "sin informacion",
    "sin serie",
    "sin numero",
    "desconocido",
    "pendiente",
    "por definir",
    "nao informado",
    "inconnu",
    "unbekannt",
    "keine",
    "k a",
];

/// Words read as Yes / No / Unknown in yes/no fields when the value is not already one of them.
const YES_WORDS: &[&str] = &["y", "si", "s", "ja", "j", "oui", "sim", "true", "1", "x"];
const NO_WORDS: &[&str] = &["n", "no", "nein", "non", "nao", "false", "0"];
const UNKNOWN_WORDS: &[&str] = &["desconocido", "unbekannt", "inconnu", "desconhecido", "?"];

/// Fields whose values identify a device on re-import: placeholders never count as values.
const IDENTIFIERS: &[&str] = &["asset_tag", "serial_number", "udi_di"];

/// What `read_inventory` is told on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryOptions {
    /// `--sheet NAME`: the sheet to read (default: the first worksheet; ignored for CSV).
    pub sheet: Option<String>,
    /// `--header-row N`: the 1-based row (for CSV: the line) holding the column headers.
    pub header_row: Option<usize>,
    /// `--map "COLUMN=FIELD"` pairs, in order: a column header (or letter) and a field key,
    /// `extra`, or `-` / `ignore`.
    pub map: Vec<(String, String)>,
}

/// How one column of the file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// The column's letters (`K`).
    pub letter: String,
    /// Its header, trimmed with inner whitespace collapsed (empty when the header cell is).
    pub header: String,
    /// The field it fills, if any. `None` with `ignored == false` means "kept as an extra
    /// attribute".
    pub field: Option<&'static str>,
    /// True when the column is dropped (`--map "COLUMN=-"`, or a computed field's column).
    pub ignored: bool,
    /// True when `--map` decided this column (rather than header recognition).
    pub from_map: bool,
}

/// One device row of the file, ready to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryRow {
    /// The row number (for CSV: the line on which the record starts).
    pub line: usize,
    /// Field values in canonical form, in catalog field order; empty values are left out;
    /// `name` is always present.
    pub values: Vec<(&'static str, String)>,
    /// Columns that map to no field: (header, value), in column order; empty cells left out.
    pub extra: Vec<(String, String)>,
}

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// The row number (for CSV: the line on which the record starts).
    pub line: usize,
    /// The first offending cell, e.g. `K12` (spreadsheets only; `None` for CSV or when the
    /// whole row is at fault).
    pub cell: Option<String>,
    /// Every problem of the row, naming the column, the field and the value.
    pub reason: String,
}

/// An inventory file read and checked, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryFile {
    /// The file's format.
    pub format: TableFormat,
    /// The sheet read (`None` for CSV).
    pub sheet: Option<String>,
    /// The header row (for CSV: its line).
    pub header_row: usize,
    /// Every column with a header or a value, in column order.
    pub columns: Vec<ColumnMapping>,
    /// The rows that can be imported.
    pub rows: Vec<InventoryRow>,
    /// The rows that cannot.
    pub rejected: Vec<RejectedRow>,
    /// Things the user should know that do not reject a row (placeholders read as empty,
    /// numbers possibly damaged by a spreadsheet, derived names, columns not used).
    pub warnings: Vec<String>,
}

/// Why an inventory file could not be read at all. Messages name the file, row or cell and say
/// what to do; [`InventoryError::is_usage`] tells a wrong option from a bad file.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file could not be read as a table.
    #[error(transparent)]
    Sheet(#[from] SheetError),
    /// `--map` names a field that does not exist.
    #[error(
        "--map \"{column}={key}\": `{key}` is not an inventory field; `medsec import inventory --help` lists the field keys"
    )]
    UnknownField {
        /// The column part of the `--map`.
        column: String,
        /// The bad key.
        key: String,
    },
    /// `--map` names a field computed by medsec.
    #[error("--map \"{column}={key}\": `{key}` is computed by medsec and cannot be imported")]
    NotSettable {
        /// The column part of the `--map`.
        column: String,
        /// The key.
        key: String,
    },
    /// Two `--map` options give one column different targets.
    #[error("--map gives column \"{column}\" two different fields; keep one")]
    ConflictingMap {
        /// The column.
        column: String,
    },
    /// `--map` names a column the header row does not have.
    #[error("{}: --map \"{column}=…\": the header row (row {header_row}) has no column \"{column}\"; its columns are: {}", .path.display(), .headers.join(", "))]
    MapColumnNotFound {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The header row used.
        header_row: usize,
        /// The headers found.
        headers: Vec<String>,
    },
    /// `--map` names a header that several columns share.
    #[error("{}: --map \"{column}=…\": columns {} all have this header; name one by its letter, e.g. --map \"{}=…\"", .path.display(), .letters.join(", "), .letters.first().map_or("A", String::as_str))]
    AmbiguousMapColumn {
        /// The file.
        path: PathBuf,
        /// The header asked for.
        column: String,
        /// The columns that have it.
        letters: Vec<String>,
    },
    /// Two `--map` options put different columns into one field.
    #[error("{}: columns {} are all mapped to `{key}`; map only one (--map \"COLUMN=extra\" keeps another as an extra attribute)", .path.display(), .letters.join(", "))]
    DuplicateTarget {
        /// The file.
        path: PathBuf,
        /// The field.
        key: String,
        /// The columns.
        letters: Vec<String>,
    },
    /// No header row was found.
    #[error("{}: no header row found in the first {scanned} rows (no row names a known column); give --header-row N, and --map \"COLUMN=FIELD\" for the columns medsec does not recognise", .path.display())]
    NoHeaderRow {
        /// The file.
        path: PathBuf,
        /// How many rows were searched.
        scanned: usize,
    },
    /// `--header-row N` points at a row without text.
    #[error("{}: row {row} is empty, so it cannot be the header row; check --header-row (rows holding values: {})", .path.display(), .nearby)]
    EmptyHeaderRow {
        /// The file.
        path: PathBuf,
        /// The row asked for.
        row: usize,
        /// The first rows that do hold values.
        nearby: String,
    },
}

impl InventoryError {
    /// True when the fault is in the options (`--map`, `--header-row`, `--sheet`) rather than in
    /// the file: a usage error (exit 2) rather than an invalid input file (exit 4).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            InventoryError::UnknownField { .. }
                | InventoryError::NotSettable { .. }
                | InventoryError::ConflictingMap { .. }
                | InventoryError::MapColumnNotFound { .. }
                | InventoryError::AmbiguousMapColumn { .. }
                | InventoryError::DuplicateTarget { .. }
                | InventoryError::EmptyHeaderRow { .. }
                | InventoryError::Sheet(SheetError::SheetNotFound { .. })
        )
    }
}

/// Lowercases, strips accents (`é` → `e`, `ß` → `ss`, `º` → `o`) and turns every run of
/// non-alphanumeric characters into one space: `"  Nº de  Série:"` → `"no de serie"`.
pub fn normalize_header(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    };
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ß' => "ss".chars().for_each(|c| push(c, &mut out)),
            'æ' | 'Æ' => "ae".chars().for_each(|c| push(c, &mut out)),
            'œ' | 'Œ' => "oe".chars().for_each(|c| push(c, &mut out)),
            'ø' | 'Ø' => push('o', &mut out),
            'ł' | 'Ł' => push('l', &mut out),
            'đ' | 'Đ' | 'ð' | 'Ð' => push('d', &mut out),
            'þ' | 'Þ' => "th".chars().for_each(|c| push(c, &mut out)),
            'ı' => push('i', &mut out),
            c => push(c, &mut out),
        }
    }
    out
}

/// The normalised alias table: every field's header and key, then [`HEADER_ALIASES`].
fn alias_table() -> Vec<(String, &'static str)> {
    let mut table: Vec<(String, &'static str)> = Vec::new();
    for def in FIELDS {
        table.push((normalize_header(def.header), def.key));
        table.push((normalize_header(def.key), def.key));
    }
    for (alias, key) in HEADER_ALIASES {
        table.push((normalize_header(alias), key));
    }
    table
}

/// How a header was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recognised {
    Exact(&'static str),
    /// By an alias of two or more words that the header starts with.
    Prefix(&'static str),
}

impl Recognised {
    fn key(self) -> &'static str {
        match self {
            Recognised::Exact(k) | Recognised::Prefix(k) => k,
        }
    }
}

fn recognise(table: &[(String, &'static str)], normalized: &str) -> Option<Recognised> {
    if normalized.is_empty() {
        return None;
    }
    if let Some((_, key)) = table.iter().find(|(alias, _)| alias == normalized) {
        return Some(Recognised::Exact(key));
    }
    table
        .iter()
        .filter(|(alias, _)| {
            alias.contains(' ')
                && normalized.len() > alias.len()
                && normalized.starts_with(alias.as_str())
                && normalized.as_bytes().get(alias.len()) == Some(&b' ')
        })
        .max_by_key(|(alias, _)| alias.len())
        .map(|(_, key)| Recognised::Prefix(key))
}

/// The field key a column header stands for, if medsec recognises it (see the module docs).
pub fn field_for_header(header: &str) -> Option<&'static str> {
    recognise(&alias_table(), &normalize_header(header)).map(Recognised::key)
}

/// Reads an inventory file (xlsx, ods, xls or CSV) into device rows.
///
/// Errors: [`InventoryError`] when the file cannot be read at all, no header row is found, or an
/// option is wrong (see [`InventoryError::is_usage`]). Rows with bad values are not errors: they
/// are listed in [`InventoryFile::rejected`].
pub fn read_inventory(
    path: &Path,
    opts: &InventoryOptions,
) -> Result<InventoryFile, InventoryError> {
    let table = sheet::read_table(path, opts.sheet.as_deref())?;
    inventory_from_table(&table, path, opts)
}

/// [`read_inventory`] on a table already read; `path` names the file in messages.
pub fn inventory_from_table(
    table: &Table,
    path: &Path,
    opts: &InventoryOptions,
) -> Result<InventoryFile, InventoryError> {
    let aliases = alias_table();
    let targets = parse_targets(opts)?;
    let header = find_header(table, path, opts, &aliases)?;
    let (columns, mut warnings) = map_columns(table, header, path, &targets, &aliases)?;
    let mut reader = RowReader::new(table, &columns);
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut repeats = Vec::new();
    for row in table.rows.iter().filter(|r| r.number > header.number) {
        if row.is_blank() {
            continue;
        }
        if repeats_header(row, header) {
            repeats.push(row.number.to_string());
            continue;
        }
        match reader.read(row) {
            Ok(r) => rows.push(r),
            Err(r) => rejected.push(r),
        }
    }
    if !repeats.is_empty() {
        warnings.push(format!(
            "{} repeat{} the header row and {} skipped: {}",
            plural(repeats.len(), "row"),
            if repeats.len() == 1 { "s" } else { "" },
            if repeats.len() == 1 { "was" } else { "were" },
            repeats.join(", ")
        ));
    }
    warnings.extend(reader.warnings(table.format));
    Ok(InventoryFile {
        format: table.format,
        sheet: table.sheet.clone(),
        header_row: header.number,
        columns,
        rows,
        rejected,
        warnings,
    })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// True for a data row that repeats the header (page headers of a printed export, files pasted
/// together): at least two cells, each equal to the header above it.
fn repeats_header(row: &Row, header: &Row) -> bool {
    let cells: Vec<_> = row.cells.iter().filter(|c| !c.value.is_blank()).collect();
    cells.len() >= 2
        && cells.iter().all(|c| {
            normalize_header(&c.value.to_text()) == normalize_header(&header.get(c.col).to_text())
        })
}

/// What a `--map` asks for a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Field(&'static str),
    Extra,
    Ignore,
}

fn parse_targets(opts: &InventoryOptions) -> Result<Vec<(String, Target)>, InventoryError> {
    let mut out: Vec<(String, Target)> = Vec::new();
    for (column, key) in &opts.map {
        let wanted = key.trim();
        let target = match wanted.to_lowercase().as_str() {
            "-" | "ignore" | "skip" => Target::Ignore,
            "extra" => Target::Extra,
            lower => {
                let lower = lower.replace('-', "_");
                match fields::settable(&lower) {
                    Ok(def) => Target::Field(def.key),
                    Err(FieldError::NotSettable(_)) => {
                        return Err(InventoryError::NotSettable {
                            column: column.clone(),
                            key: wanted.to_string(),
                        });
                    }
                    Err(_) => {
                        return Err(InventoryError::UnknownField {
                            column: column.clone(),
                            key: wanted.to_string(),
                        });
                    }
                }
            }
        };
        let norm = normalize_header(column);
        if let Some((_, earlier)) = out.iter().find(|(c, _)| normalize_header(c) == norm) {
            if *earlier != target {
                return Err(InventoryError::ConflictingMap {
                    column: column.clone(),
                });
            }
            continue;
        }
        out.push((column.clone(), target));
    }
    Ok(out)
}

/// Header text for display and extra-attribute names: trimmed, inner whitespace collapsed.
fn clean_header(value: &CellValue) -> String {
    value
        .to_text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn find_header<'t>(
    table: &'t Table,
    path: &Path,
    opts: &InventoryOptions,
    aliases: &[(String, &'static str)],
) -> Result<&'t Row, InventoryError> {
    let nearby = || {
        table
            .rows
            .iter()
            .take(10)
            .map(|r| r.number.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(n) = opts.header_row {
        return table
            .rows
            .iter()
            .find(|r| r.number == n && !r.is_blank())
            .ok_or_else(|| InventoryError::EmptyHeaderRow {
                path: path.to_path_buf(),
                row: n,
                nearby: nearby(),
            });
    }
    let mapped: Vec<String> = opts.map.iter().map(|(c, _)| normalize_header(c)).collect();
    let mut best: Option<(&Row, usize)> = None;
    for row in table.rows.iter().take(HEADER_SCAN_ROWS) {
        let texts = row
            .cells
            .iter()
            .filter(|c| matches!(&c.value, CellValue::Text(t) if !t.trim().is_empty()))
            .count();
        if texts < 2 {
            continue;
        }
        let mut found: Vec<&'static str> = Vec::new();
        let mut score = 0usize;
        for cell in &row.cells {
            let norm = normalize_header(&cell.value.to_text());
            if mapped.contains(&norm) {
                score += 1;
            } else if let Some(r) = recognise(aliases, &norm)
                && !found.contains(&r.key())
            {
                found.push(r.key());
                score += 1;
            }
        }
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((row, score));
        }
    }
    best.map(|(row, _)| row)
        .ok_or_else(|| InventoryError::NoHeaderRow {
            path: path.to_path_buf(),
            scanned: table.rows.len().min(HEADER_SCAN_ROWS),
        })
}

/// The column index of letters such as `K` or `AB` (up to three letters).
fn letters_to_index(letters: &str) -> Option<usize> {
    let letters = letters.trim();
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let mut n = 0usize;
    for c in letters.chars() {
        n = n * 26 + usize::from(c.to_ascii_uppercase() as u8 - b'A') + 1;
    }
    Some(n - 1)
}

fn map_columns(
    table: &Table,
    header: &Row,
    path: &Path,
    targets: &[(String, Target)],
    aliases: &[(String, &'static str)],
) -> Result<(Vec<ColumnMapping>, Vec<String>), InventoryError> {
    let mut warnings = Vec::new();
    let width = table
        .rows
        .iter()
        .filter(|r| r.number >= header.number)
        .map(Row::width)
        .max()
        .unwrap_or(0);
    let headers: Vec<String> = (0..width).map(|c| clean_header(header.get(c))).collect();
    let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
    let mut decided: Vec<Option<Target>> = vec![None; width];

    for (column, target) in targets {
        let norm = normalize_header(column);
        let hits: Vec<usize> = (0..width)
            .filter(|&c| !norm.is_empty() && normalized.get(c) == Some(&norm))
            .collect();
        let col = match hits.as_slice() {
            [one] => *one,
            [] => match letters_to_index(column).filter(|&c| c < width) {
                Some(c) => c,
                None => {
                    return Err(InventoryError::MapColumnNotFound {
                        path: path.to_path_buf(),
                        column: column.clone(),
                        header_row: header.number,
                        headers: headers.iter().filter(|h| !h.is_empty()).cloned().collect(),
                    });
                }
            },
            many => {
                return Err(InventoryError::AmbiguousMapColumn {
                    path: path.to_path_buf(),
                    column: column.clone(),
                    letters: many.iter().map(|&c| column_letter(c)).collect(),
                });
            }
        };
        match decided.get_mut(col) {
            Some(Some(earlier)) if *earlier != *target => {
                return Err(InventoryError::ConflictingMap {
                    column: column.clone(),
                });
            }
            Some(slot) => *slot = Some(*target),
            None => {}
        }
    }
    let mut by_field: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    for (col, target) in decided.iter().enumerate() {
        if let Some(Target::Field(key)) = target {
            by_field.entry(key).or_default().push(col);
        }
    }
    if let Some((key, cols)) = by_field.iter().find(|(_, cols)| cols.len() > 1) {
        return Err(InventoryError::DuplicateTarget {
            path: path.to_path_buf(),
            key: (*key).to_string(),
            letters: cols.iter().map(|&c| column_letter(c)).collect(),
        });
    }

    // Recognise the other headers: exact matches first, then prefixes, each field once.
    let recognised: Vec<Option<Recognised>> =
        normalized.iter().map(|n| recognise(aliases, n)).collect();
    let mut auto: Vec<Option<&'static str>> = vec![None; width];
    for exact in [true, false] {
        for (col, r) in recognised.iter().enumerate() {
            let Some(r) = r else { continue };
            if matches!(r, Recognised::Exact(_)) != exact
                || decided.get(col).is_some_and(Option::is_some)
            {
                continue;
            }
            let key = r.key();
            let taken = by_field.get(key).and_then(|cols| cols.first().copied());
            if let Some(other) = taken {
                warnings.push(format!(
                    "column {} \"{}\" also looks like `{key}` (read from column {}); kept as an extra attribute, use --map to choose",
                    column_letter(col),
                    headers.get(col).map_or("", String::as_str),
                    column_letter(other)
                ));
                continue;
            }
            by_field.entry(key).or_default().push(col);
            if let Some(slot) = auto.get_mut(col) {
                *slot = Some(key);
            }
        }
    }

    let mut columns = Vec::new();
    for col in 0..width {
        let header_text = headers.get(col).cloned().unwrap_or_default();
        let letter = column_letter(col);
        let explicit = decided.get(col).copied().flatten();
        let (field, ignored) = match (explicit, auto.get(col).copied().flatten()) {
            (Some(Target::Field(key)), _) => (Some(key), false),
            (Some(Target::Extra), _) => (None, false),
            (Some(Target::Ignore), _) => (None, true),
            (None, Some(key)) if fields::settable(key).is_err() => {
                warnings.push(format!(
                    "column {letter} \"{header_text}\" is `{key}`, which medsec computes; it is not imported"
                ));
                (None, true)
            }
            (None, Some(key)) => (Some(key), false),
            (None, None) => (None, false),
        };
        let has_data = table
            .rows
            .iter()
            .any(|r| r.number > header.number && !r.get(col).is_blank());
        if header_text.is_empty() && !has_data {
            continue;
        }
        columns.push(ColumnMapping {
            letter,
            header: header_text,
            field,
            ignored,
            from_map: explicit.is_some(),
        });
    }
    Ok((columns, warnings))
}

/// A column as the row reader uses it.
struct Column<'a> {
    index: usize,
    letter: &'a str,
    header: &'a str,
    /// The name of the extra attribute (the header, made unique).
    extra_name: String,
    def: Option<&'static FieldDef>,
    ignored: bool,
}

/// Reads data rows and gathers the warnings they raise.
struct RowReader<'a> {
    columns: Vec<Column<'a>>,
    csv: bool,
    date1904: bool,
    /// Per column index: placeholder values seen (distinct, in order) and how many.
    placeholders: BTreeMap<usize, (Vec<String>, usize)>,
    damaged: Vec<String>,
    named: Vec<(usize, &'static str)>,
    dropped_errors: Vec<String>,
}

impl<'a> RowReader<'a> {
    fn new(table: &Table, mappings: &'a [ColumnMapping]) -> Self {
        let mut seen: Vec<String> = Vec::new();
        let columns = mappings
            .iter()
            .filter_map(|m| {
                let index = letters_to_index(&m.letter)?;
                let base = if m.header.is_empty() {
                    format!("Column {}", m.letter)
                } else {
                    m.header.clone()
                };
                let extra_name = if seen.iter().any(|s| s.eq_ignore_ascii_case(&base)) {
                    format!("{base} ({})", m.letter)
                } else {
                    base
                };
                seen.push(extra_name.clone());
                Some(Column {
                    index,
                    letter: &m.letter,
                    header: &m.header,
                    extra_name,
                    def: m.field.and_then(fields::field),
                    ignored: m.ignored,
                })
            })
            .collect();
        RowReader {
            columns,
            csv: table.format == TableFormat::Csv,
            date1904: table.date1904,
            placeholders: BTreeMap::new(),
            damaged: Vec::new(),
            named: Vec::new(),
            dropped_errors: Vec::new(),
        }
    }

    fn location(&self, line: usize, col: &Column<'_>) -> String {
        if self.csv {
            format!("line {line}, column {}", col.letter)
        } else {
            cell_address(line, col.index)
        }
    }

    fn read(&mut self, row: &Row) -> Result<InventoryRow, RejectedRow> {
        let mut values: Vec<(&'static str, String)> = Vec::new();
        let mut extra = Vec::new();
        let mut problems: Vec<String> = Vec::new();
        let mut first_bad: Option<String> = None;
        for i in 0..self.columns.len() {
            let Some(col) = self.columns.get(i) else {
                continue;
            };
            let cell = row.get(col.index);
            if col.ignored || cell.is_blank() {
                continue;
            }
            if cell.possibly_damaged() {
                let msg = format!(
                    "{}: {} {POSSIBLY_DAMAGED_NOTE}",
                    self.location(row.number, col),
                    cell.to_text()
                );
                self.damaged.push(msg);
            }
            let Some(def) = col.def else {
                if let CellValue::Error(e) = cell {
                    let msg = format!("{} ({e})", self.location(row.number, col));
                    self.dropped_errors.push(msg);
                    continue;
                }
                let text = fields::clean_text(&cell.to_text()).trim().to_string();
                if !text.is_empty() {
                    extra.push((col.extra_name.clone(), text));
                }
                continue;
            };
            let describe = format!("column {} \"{}\" ({})", col.letter, col.header, def.key);
            match self.value_for(def, cell) {
                Ok(Some(v)) => values.push((def.key, v)),
                Ok(None) => {
                    let entry = self.placeholders.entry(col.index).or_default();
                    let shown = cell.to_text().trim().to_string();
                    if !entry.0.contains(&shown) {
                        entry.0.push(shown);
                    }
                    entry.1 += 1;
                }
                Err(why) => {
                    if first_bad.is_none() && !self.csv {
                        first_bad = Some(cell_address(row.number, col.index));
                    }
                    problems.push(format!("{describe}: {why}"));
                }
            }
        }
        if !problems.is_empty() {
            return Err(RejectedRow {
                line: row.number,
                cell: first_bad,
                reason: problems.join("; "),
            });
        }
        if !values.iter().any(|(k, _)| *k == "name") {
            match derived_name(&values) {
                Some((name, from)) => {
                    self.named.push((row.number, from));
                    values.push(("name", name));
                }
                None => {
                    return Err(RejectedRow {
                        line: row.number,
                        cell: None,
                        reason: "nothing identifies the device: no name, manufacturer, model, host name, asset tag, serial number, IP or MAC address".to_string(),
                    });
                }
            }
        }
        values.sort_by_key(|(k, _)| FIELDS.iter().position(|d| d.key == *k));
        Ok(InventoryRow {
            line: row.number,
            values,
            extra,
        })
    }

    /// The canonical value of a cell for a field: `Ok(None)` for a placeholder read as empty,
    /// `Err(reason)` when it does not fit.
    fn value_for(&self, def: &FieldDef, cell: &CellValue) -> Result<Option<String>, String> {
        let text = match (cell, def.kind) {
            (CellValue::Error(e), _) => {
                return Err(format!("the cell holds the spreadsheet error {e}"));
            }
            (CellValue::Date(t), FieldKind::Date) => t.format("%Y-%m-%d").to_string(),
            (CellValue::Date(t), FieldKind::DateTime) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            (CellValue::Int(_) | CellValue::Float(_), FieldKind::Date | FieldKind::DateTime) => {
                let n = match cell {
                    CellValue::Int(i) => *i as f64,
                    CellValue::Float(f) => *f,
                    _ => 0.0,
                };
                let t = serial_to_datetime(n, self.date1904)?;
                if def.kind == FieldKind::Date {
                    t.format("%Y-%m-%d").to_string()
                } else {
                    t.format("%Y-%m-%d %H:%M:%S").to_string()
                }
            }
            _ => cell.to_text(),
        };
        let trimmed = fields::clean_text(&text).trim().to_string();
        let placeholder = PLACEHOLDERS.contains(&normalize_header(&trimmed).as_str());
        if IDENTIFIERS.contains(&def.key) && placeholder {
            return Ok(None);
        }
        let error = match def.normalize(&trimmed) {
            Ok(v) if v.is_empty() => return Ok(None),
            Ok(v) => return Ok(Some(v)),
            Err(e) => e,
        };
        if let Some(word) = yes_no_word(def, &trimmed)
            && let Ok(v) = def.normalize(word)
        {
            return Ok(Some(v));
        }
        if placeholder {
            return Ok(None);
        }
        Err(match error {
            FieldError::Invalid {
                value, expected, ..
            } => {
                let year_only = def.kind == FieldKind::Date
                    && value.len() == 4
                    && value.chars().all(|c| c.is_ascii_digit());
                if year_only {
                    format!("{value:?} is a year only, not {expected}")
                } else {
                    format!("{value:?} is not {expected}")
                }
            }
            other => other.to_string(),
        })
    }

    fn warnings(&self, format: TableFormat) -> Vec<String> {
        let mut out = Vec::new();
        for (col_index, (values, count)) in &self.placeholders {
            let Some(col) = self.columns.iter().find(|c| c.index == *col_index) else {
                continue;
            };
            let key = col.def.map_or("", |d| d.key);
            let shown: Vec<String> = values.iter().take(5).map(|v| format!("{v:?}")).collect();
            out.push(format!(
                "column {} \"{}\" ({key}): {count} placeholder value{} ({}) read as empty",
                col.letter,
                col.header,
                if *count == 1 { "" } else { "s" },
                shown.join(", ")
            ));
        }
        out.extend(self.damaged.iter().cloned());
        if !self.named.is_empty() {
            let unit = if format == TableFormat::Csv {
                "lines"
            } else {
                "rows"
            };
            let list: Vec<String> = self
                .named
                .iter()
                .take(10)
                .map(|(line, from)| format!("{line} ({from})"))
                .collect();
            let more = if self.named.len() > 10 { ", …" } else { "" };
            out.push(format!(
                "{} device{} had no name and {} named after other fields ({unit} {}{more})",
                self.named.len(),
                if self.named.len() == 1 { "" } else { "s" },
                if self.named.len() == 1 { "was" } else { "were" },
                list.join(", ")
            ));
        }
        if !self.dropped_errors.is_empty() {
            out.push(format!(
                "spreadsheet errors in columns kept as extra attributes were left out: {}",
                self.dropped_errors.join(", ")
            ));
        }
        out
    }
}

/// A name for a row that has none: `manufacturer model`, else host name, asset tag, serial
/// number, IP or MAC address; with the field it came from.
fn derived_name(values: &[(&'static str, String)]) -> Option<(String, &'static str)> {
    let get = |key: &str| {
        values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let maker_model: Vec<&str> = [get("manufacturer"), get("model")]
        .into_iter()
        .flatten()
        .collect();
    if !maker_model.is_empty() {
        return Some((maker_model.join(" "), "manufacturer and model"));
    }
    for (key, label) in [
        ("hostname", "host name"),
        ("asset_tag", "asset tag"),
        ("serial_number", "serial number"),
        ("ip_addresses", "IP address"),
        ("mac_addresses", "MAC address"),
    ] {
        if let Some(v) = get(key) {
            let first = fields::split_multi(v).next().unwrap_or(v);
            return Some((first.to_string(), label));
        }
    }
    None
}

/// A spreadsheet date serial stored as a plain number → a date-time. A whole number that looks
/// like a year (1000–9999) is refused: it is a year, not a date.
fn serial_to_datetime(n: f64, date1904: bool) -> Result<NaiveDateTime, String> {
    let shown = sheet::CellValue::Float(n).to_text();
    if n.fract() == 0.0 && (1000.0..=9999.0).contains(&n) {
        return Err(format!(
            "{shown} is a year only, not a date (YYYY-MM-DD or DD/MM/YYYY)"
        ));
    }
    if !(10_000.0..2_958_466.0).contains(&n) {
        return Err(format!(
            "{shown} is a number, not a date (YYYY-MM-DD or DD/MM/YYYY)"
        ));
    }
    let epoch = if date1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)
    };
    let secs = (n * 86_400.0).round() as i64;
    epoch
        .map(|d| d.and_time(chrono::NaiveTime::MIN))
        .and_then(|t| t.checked_add_signed(TimeDelta::seconds(secs)))
        .ok_or_else(|| format!("{shown} is not a date"))
}

/// For yes/no fields: the list word a foreign or boolean spelling stands for.
fn yes_no_word(def: &FieldDef, text: &str) -> Option<&'static str> {
    let list = match def.kind {
        FieldKind::List(list) if list.contains(&"Yes") && list.contains(&"No") => list,
        _ => return None,
    };
    let norm = normalize_header(text);
    let word = if YES_WORDS.contains(&norm.as_str()) {
        "Yes"
    } else if NO_WORDS.contains(&norm.as_str()) {
        "No"
    } else if UNKNOWN_WORDS.contains(&norm.as_str()) || UNKNOWN_WORDS.contains(&text.trim()) {
        "Unknown"
    } else {
        return None;
    };
    list.contains(&word).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const CORPUS_XLSX: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/assets/udea-lime-F-147-inventario-equipos-biomedicos-redacted.xlsx"
    );

    fn temp(bytes: &[u8], suffix: &str) -> Result<tempfile::NamedTempFile, std::io::Error> {
        let mut file = tempfile::Builder::new().suffix(suffix).tempfile()?;
        file.write_all(bytes)?;
        file.flush()?;
        Ok(file)
    }

    fn csv(
        bytes: &[u8],
        opts: &InventoryOptions,
    ) -> Result<InventoryFile, Box<dyn std::error::Error>> {
        let file = temp(bytes, ".csv")?;
        Ok(read_inventory(file.path(), opts)?)
    }

    fn value<'r>(row: &'r InventoryRow, key: &str) -> Option<&'r str> {
        row.values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    fn extra<'r>(row: &'r InventoryRow, name: &str) -> Option<&'r str> {
        row.extra
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn map(pairs: &[(&str, &str)]) -> InventoryOptions {
        InventoryOptions {
            map: pairs
                .iter()
                .map(|(c, f)| (c.to_string(), f.to_string()))
                .collect(),
            ..InventoryOptions::default()
        }
    }

    #[test]
    fn alias_table_is_consistent() {
        let table = alias_table();
        for (alias, key) in &table {
            assert!(
                fields::field(key).is_some(),
                "alias {alias:?} → unknown field {key}"
            );
            assert!(!alias.is_empty(), "empty alias for {key}");
            let clash = table.iter().find(|(a, k)| a == alias && k != key);
            assert!(
                clash.is_none(),
                "alias {alias:?} maps to {key} and {clash:?}"
            );
        }
    }

    #[test]
    fn headers_normalise_and_recognise() {
        assert_eq!(normalize_header("  Nº de  Série:"), "no de serie");
        assert_eq!(normalize_header("Ubicación física"), "ubicacion fisica");
        assert_eq!(normalize_header("IP Address(es)"), "ip address es");
        assert_eq!(normalize_header("Straße"), "strasse");
        assert_eq!(field_for_header("S/N"), Some("serial_number"));
        assert_eq!(field_for_header("Asset #"), Some("asset_tag"));
        assert_eq!(field_for_header("serial-number"), Some("serial_number"));
        assert_eq!(field_for_header("MARCA"), Some("manufacturer"));
        assert_eq!(field_for_header("Hersteller"), Some("manufacturer"));
        assert_eq!(field_for_header("Seriennummer"), Some("serial_number"));
        assert_eq!(field_for_header("Número de serie"), Some("serial_number"));
        assert_eq!(
            field_for_header("IP Address (primary)"),
            Some("ip_addresses")
        );
        assert_eq!(
            field_for_header("Código de inventario interno del laboratorio y/o asignado por UdeA"),
            Some("asset_tag")
        );
        assert_eq!(
            field_for_header("Antigüedad del eq. (F. adquisición)"),
            None
        );
        assert_eq!(field_for_header("Type"), None);
    }

    #[test]
    fn corpus_inventory_with_recommended_map() -> TestResult {
        let opts = map(&[("Fecha finalización garantía", "extra")]);
        let inv = read_inventory(Path::new(CORPUS_XLSX), &opts)?;
        assert_eq!(inv.format, TableFormat::Xlsx);
        assert_eq!(inv.sheet.as_deref(), Some("Hoja1"));
        assert_eq!(inv.header_row, 9);
        assert_eq!(inv.columns.len(), 51);
        assert_eq!(inv.rejected, Vec::<RejectedRow>::new());
        assert_eq!(inv.rows.len(), 54);
        let mapped: Vec<(&str, &str)> = inv
            .columns
            .iter()
            .filter_map(|c| c.field.map(|f| (c.letter.as_str(), f)))
            .collect();
        assert_eq!(
            mapped,
            [
                ("A", "site"),
                ("C", "name"),
                ("D", "asset_tag"),
                ("F", "nomenclature_code"),
                ("H", "room"),
                ("I", "manufacturer"),
                ("J", "model"),
                ("K", "serial_number"),
                ("N", "regulatory_class"),
            ]
        );
        let row = |line: usize| {
            inv.rows
                .iter()
                .find(|r| r.line == line)
                .ok_or("missing row")
        };
        let r10 = row(10)?;
        assert_eq!(value(r10, "name"), Some("Congelador"));
        assert_eq!(value(r10, "manufacturer"), Some("Challenger"));
        assert_eq!(value(r10, "model"), Some("CV430"));
        assert_eq!(value(r10, "serial_number"), Some("9053127"));
        assert_eq!(value(r10, "asset_tag"), Some("135306"));
        assert_eq!(
            extra(r10, "Antigüedad del eq. (F. adquisición)"),
            Some("2009-12-10")
        );
        assert_eq!(extra(r10, "Proceso"), Some("LIME"));
        assert_eq!(value(row(12)?, "serial_number"), Some("0000189"));
        assert_eq!(value(row(17)?, "serial_number"), Some("1020313061616"));
        assert_eq!(value(row(21)?, "serial_number"), Some("3000957831"));
        assert_eq!(
            value(row(27)?, "serial_number"),
            Some("0101010003022000165")
        );
        assert_eq!(value(row(45)?, "serial_number"), Some("8D07016"));
        // Trailing spaces and tabs are trimmed, in fields and in extras.
        assert_eq!(value(row(14)?, "name"), Some("Micropipeta"));
        assert_eq!(
            extra(
                row(47)?,
                "Clasificación según eje misional (Docencia y/o Investigación y/o Extensión)"
            ),
            Some("Extensión")
        );
        assert_eq!(value(row(35)?, "regulatory_class"), Some("Clase I"));
        // Placeholders in identifiers are read as empty, and said so.
        assert_eq!(value(row(49)?, "asset_tag"), None);
        assert_eq!(value(row(61)?, "serial_number"), None);
        assert!(
            inv.warnings.iter().any(|w| w
                .contains("column K \"Serie\" (serial_number): 2 placeholder values (\"N/I\")")),
            "{:#?}",
            inv.warnings
        );
        // The acquisition date stays an extra attribute, as typed.
        assert_eq!(
            extra(row(36)?, "Antigüedad del eq. (F. adquisición)"),
            Some("Antes de 2003")
        );
        assert_eq!(
            extra(row(34)?, "Antigüedad del eq. (F. adquisición)"),
            Some("2005")
        );
        assert_eq!(
            extra(row(13)?, "Fecha finalización garantía"),
            Some("2022-07-15")
        );
        Ok(())
    }

    #[test]
    fn corpus_inventory_without_map_rejects_text_warranty_dates() -> TestResult {
        let inv = read_inventory(Path::new(CORPUS_XLSX), &InventoryOptions::default())?;
        assert_eq!(inv.header_row, 9);
        assert_eq!(inv.rows.len() + inv.rejected.len(), 54);
        let w = inv.columns.iter().find(|c| c.letter == "W").ok_or("no W")?;
        assert_eq!(w.field, Some("service_contract_end"));
        let r42 = inv
            .rejected
            .iter()
            .find(|r| r.line == 42)
            .ok_or("row 42 accepted")?;
        assert_eq!(r42.cell.as_deref(), Some("W42"));
        assert!(
            r42.reason.contains("column W \"Fecha finalización garantía\" (service_contract_end): \"Julio de 2010\" is not a date"),
            "{}",
            r42.reason
        );
        // "N/A" and "NI" are placeholders, not errors.
        assert!(inv.rows.iter().any(|r| r.line == 10));
        Ok(())
    }

    #[test]
    fn corpus_install_date_map_rejects_rows_that_hold_no_date() -> TestResult {
        let opts = map(&[
            ("Fecha finalización garantía", "-"),
            ("antiguedad del eq. (f. adquisicion)", "install_date"),
        ]);
        let inv = read_inventory(Path::new(CORPUS_XLSX), &opts)?;
        let by_line = |n: usize| inv.rejected.iter().find(|r| r.line == n);
        let r34 = by_line(34).ok_or("row 34 accepted")?;
        assert!(r34.reason.contains("2005 is a year only"), "{}", r34.reason);
        assert!(by_line(36).is_some(), "\"Antes de 2003\" accepted");
        let ok = |n: usize| {
            inv.rows
                .iter()
                .find(|r| r.line == n)
                .and_then(|r| value(r, "install_date"))
        };
        assert_eq!(ok(10), Some("2009-12-10"));
        assert_eq!(ok(43), Some("2013-02-06"));
        // NI → empty, not a reject.
        assert!(inv.rows.iter().any(|r| r.line == 30));
        let w = inv.columns.iter().find(|c| c.letter == "W").ok_or("no W")?;
        assert!(w.ignored && w.from_map);
        assert!(!inv.rows.iter().any(|r| {
            r.extra
                .iter()
                .any(|(k, _)| k == "Fecha finalización garantía")
        }));
        Ok(())
    }

    #[test]
    fn csv_utf8_bom_and_windows_1252() -> TestResult {
        let text = "Device Name,Manufacturer,Model,Serial Number,IP Address\nEvita V500,Dräger,V500,0000189,10.0.0.5\n";
        for bytes in [
            text.as_bytes().to_vec(),
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        ] {
            let inv = csv(&bytes, &InventoryOptions::default())?;
            assert_eq!(inv.header_row, 1);
            let row = inv.rows.first().ok_or("no row")?;
            assert_eq!(row.line, 2);
            assert_eq!(value(row, "manufacturer"), Some("Dräger"));
            assert_eq!(value(row, "serial_number"), Some("0000189"));
            assert_eq!(value(row, "ip_addresses"), Some("10.0.0.5"));
        }
        let cp1252 = b"Nombre del equipo;Marca;Modelo;Serie\nVentilador;Dr\xE4ger;Evita;123\n";
        let inv = csv(cp1252, &InventoryOptions::default())?;
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "manufacturer"), Some("Dräger"));
        assert_eq!(value(row, "name"), Some("Ventilador"));
        Ok(())
    }

    #[test]
    fn csv_quoted_fields_and_title_rows() -> TestResult {
        let text = "Hospital inventory 2024\nExported by CMMS\n\nAsset #;Description;Make;Model;Notes\n\"A-1\";\"Pump; large\";Baxter;Sigma;\"line one\nline two\"\n\"A-2\";Monitor;Philips;MX450;\"said \"\"ok\"\"\"\n";
        let inv = csv(text.as_bytes(), &InventoryOptions::default())?;
        assert_eq!(inv.header_row, 4);
        assert_eq!(inv.rows.len(), 2);
        let first = inv.rows.first().ok_or("no row")?;
        assert_eq!(first.line, 5);
        assert_eq!(value(first, "asset_tag"), Some("A-1"));
        assert_eq!(value(first, "name"), Some("Pump; large"));
        assert_eq!(value(first, "notes"), Some("line one\nline two"));
        let second = inv.rows.get(1).ok_or("no row")?;
        assert_eq!(second.line, 7);
        assert_eq!(value(second, "notes"), Some("said \"ok\""));
        Ok(())
    }

    #[test]
    fn map_overrides_and_extras() -> TestResult {
        let text =
            "Equipo,Fabricante,Código,Ala,Color,Dispositivo padre\nBomba,Baxter,X-9,Norte,azul,\n";
        let opts = map(&[
            ("codigo", "asset-tag"),
            ("ALA", "room"),
            ("Color", "ignore"),
        ]);
        let inv = csv(text.as_bytes(), &opts)?;
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "asset_tag"), Some("X-9"));
        assert_eq!(value(row, "room"), Some("Norte"));
        assert_eq!(value(row, "name"), Some("Bomba"));
        assert_eq!(value(row, "manufacturer"), Some("Baxter"));
        assert_eq!(row.extra, Vec::<(String, String)>::new());
        let color = inv
            .columns
            .iter()
            .find(|c| c.header == "Color")
            .ok_or("no Color")?;
        assert!(color.ignored && color.from_map && color.field.is_none());

        // A column letter works when no header matches; an override replaces recognition.
        let opts = map(&[("B", "notes"), ("Equipo", "model")]);
        let inv = csv(text.as_bytes(), &opts)?;
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "notes"), Some("Baxter"));
        assert_eq!(value(row, "model"), Some("Bomba"));
        assert_eq!(value(row, "name"), Some("Bomba"), "named after the model");
        assert_eq!(extra(row, "Código"), Some("X-9"));
        assert_eq!(extra(row, "Ala"), Some("Norte"));
        assert!(
            inv.warnings.iter().any(|w| w.contains("had no name")),
            "{:?}",
            inv.warnings
        );
        Ok(())
    }

    #[test]
    fn map_errors_are_clear() -> TestResult {
        let text = b"Name,Serial\nPump,1\n";
        let err = csv(text, &map(&[("Serial", "serial")]))
            .err()
            .ok_or("accepted")?;
        let msg = err.to_string();
        assert!(msg.contains("`serial` is not an inventory field"), "{msg}");
        assert!(msg.contains("--help"), "{msg}");
        assert!(
            !msg.contains("serial_number"),
            "lists nothing more than the bad key: {msg}"
        );

        let file = temp(text, ".csv")?;
        let err = read_inventory(file.path(), &map(&[("Color", "notes")]))
            .err()
            .ok_or("accepted")?;
        assert!(err.is_usage());
        let msg = err.to_string();
        assert!(
            msg.contains("no column \"Color\"") && msg.contains("Name, Serial"),
            "{msg}"
        );

        let err = read_inventory(file.path(), &map(&[("Name", "compliance_pct")]))
            .err()
            .ok_or("accepted")?;
        assert!(err.to_string().contains("computed by medsec"), "{err}");

        let err = read_inventory(file.path(), &map(&[("Name", "notes"), ("Serial", "notes")]))
            .err()
            .ok_or("accepted")?;
        assert!(
            err.to_string()
                .contains("columns A, B are all mapped to `notes`"),
            "{err}"
        );

        let opts = InventoryOptions {
            header_row: Some(9),
            ..InventoryOptions::default()
        };
        let err = read_inventory(file.path(), &opts).err().ok_or("accepted")?;
        assert!(err.to_string().contains("row 9 is empty"), "{err}");

        let err = csv(b"just,some\nwords,here\n", &InventoryOptions::default())
            .err()
            .ok_or("accepted")?;
        assert!(err.to_string().contains("no header row found"), "{err}");
        Ok(())
    }

    #[test]
    fn invalid_values_reject_the_row_with_line_and_reason() -> TestResult {
        let text = "Name,IP Address,Install Date,PHI Stored,Category\nPump,10.0.0.300,2024-01-02,Sí,Infusion pump\nMonitor,10.0.0.7,31/12/2023,no,patient MONITOR\n,,,,\nScanner,10.0.0.8,next week,maybe,Toaster\n";
        let inv = csv(text.as_bytes(), &InventoryOptions::default())?;
        assert_eq!(inv.rows.len(), 1);
        let ok = inv.rows.first().ok_or("no row")?;
        assert_eq!(ok.line, 3);
        assert_eq!(value(ok, "install_date"), Some("2023-12-31"));
        assert_eq!(value(ok, "phi_stored"), Some("No"));
        assert_eq!(value(ok, "category"), Some("Patient monitor"));
        let first = inv.rejected.first().ok_or("no reject")?;
        assert_eq!(first.line, 2);
        assert_eq!(first.cell, None);
        assert!(
            first.reason.contains(
                "column B \"IP Address\" (ip_addresses): \"10.0.0.300\" is not IPv4 or IPv6"
            ),
            "{}",
            first.reason
        );
        let last = inv.rejected.get(1).ok_or("no second reject")?;
        assert_eq!(last.line, 5);
        assert!(last.reason.contains("\"next week\""), "{}", last.reason);
        assert!(last.reason.contains("\"maybe\""), "{}", last.reason);
        assert!(last.reason.contains("\"Toaster\""), "{}", last.reason);
        Ok(())
    }

    #[test]
    fn repeated_header_rows_are_skipped() -> TestResult {
        let text = "Name,Serial\nPump,1\nName,Serial\nMonitor,2\n";
        let inv = csv(text.as_bytes(), &InventoryOptions::default())?;
        assert_eq!(inv.rows.len(), 2);
        assert!(
            inv.warnings
                .iter()
                .any(|w| w == "1 row repeats the header row and was skipped: 3"),
            "{:?}",
            inv.warnings
        );
        Ok(())
    }

    #[test]
    fn rows_without_identity_are_rejected() -> TestResult {
        let text = "Name,Manufacturer,Serial,Notes\n,,,just a note\n,,SN-1,\n";
        let inv = csv(text.as_bytes(), &InventoryOptions::default())?;
        let rejected = inv.rejected.first().ok_or("no reject")?;
        assert_eq!(rejected.line, 2);
        assert!(rejected.reason.contains("nothing identifies the device"));
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "name"), Some("SN-1"));
        Ok(())
    }

    #[test]
    fn xlsx_numbers_dates_and_extras() -> TestResult {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        let s = workbook.add_worksheet();
        s.write_string(0, 0, "Equipment inventory")?;
        s.merge_range(1, 0, 1, 4, "GENERAL", &rust_xlsxwriter::Format::new())?;
        for (c, h) in [
            "Device Name",
            "Serial No",
            "Install Date",
            "Warranty End",
            "Cost",
        ]
        .iter()
        .enumerate()
        {
            s.write_string(3, c as u16, *h)?;
        }
        s.write_string(4, 0, "Evita")?;
        s.write_number(4, 1, 1_020_313_061_616.0)?;
        s.write_number_with_format(4, 2, 45000.0, &date)?;
        s.write_number(4, 3, 45500.0)?; // a date serial without a date format
        s.write_number(4, 4, 1234.5)?;
        s.write_string(5, 0, "Infusomat")?;
        s.write_number(5, 1, 1_010_101_000_302_200_000.0)?;
        s.write_string(5, 2, "2021")?;
        let bytes = workbook.save_to_buffer()?;
        let file = temp(&bytes, ".xlsx")?;
        let inv = read_inventory(file.path(), &InventoryOptions::default())?;
        assert_eq!(inv.header_row, 4);
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "serial_number"), Some("1020313061616"));
        assert_eq!(value(row, "install_date"), Some("2023-03-15"));
        assert_eq!(value(row, "service_contract_end"), Some("2024-07-27"));
        assert_eq!(extra(row, "Cost"), Some("1234.5"));
        let rejected = inv.rejected.first().ok_or("no reject")?;
        assert_eq!(rejected.line, 6);
        assert_eq!(rejected.cell.as_deref(), Some("C6"));
        assert!(
            rejected.reason.contains("\"2021\" is a year only"),
            "{}",
            rejected.reason
        );
        assert!(
            inv.warnings
                .iter()
                .any(|w| w.starts_with("B6: 1010101000302200000 has more than 15 digits")),
            "{:#?}",
            inv.warnings
        );
        Ok(())
    }

    #[test]
    fn ods_and_xls_inventories() -> TestResult {
        let rows = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Fabricante</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Modelo</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Número de serie</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>Mindray</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>BeneVision N12</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="3000957831"><text:p>3000957831</text:p></table:table-cell></table:table-row>"#;
        let bytes = sheet::tests::ods_bytes("Equipos", rows)?;
        let file = temp(&bytes, ".ods")?;
        let inv = read_inventory(file.path(), &InventoryOptions::default())?;
        assert_eq!(inv.format, TableFormat::Ods);
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "name"), Some("Mindray BeneVision N12"));
        assert_eq!(value(row, "serial_number"), Some("3000957831"));

        use sheet::tests::XlsCell;
        let cells = [
            (2, 0, XlsCell::Text("Hersteller")),
            (2, 1, XlsCell::Text("Gerät")),
            (2, 2, XlsCell::Text("Seriennummer")),
            (2, 3, XlsCell::Text("Inbetriebnahme")),
            (3, 0, XlsCell::Text("Dräger")),
            (3, 1, XlsCell::Text("Evita V500")),
            (3, 2, XlsCell::Number(81_234.0, 0)),
            (3, 3, XlsCell::Number(40157.0, 1)),
        ];
        let bytes = sheet::tests::cfb_file(&sheet::tests::xls_stream("Geräte", &cells, None));
        let file = temp(&bytes, ".xls")?;
        let inv = read_inventory(file.path(), &InventoryOptions::default())?;
        assert_eq!(inv.format, TableFormat::Xls);
        assert_eq!(inv.header_row, 3);
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "manufacturer"), Some("Dräger"));
        assert_eq!(value(row, "name"), Some("Evita V500"));
        assert_eq!(value(row, "serial_number"), Some("81234"));
        assert_eq!(value(row, "install_date"), Some("2009-12-10"));
        Ok(())
    }

    #[test]
    fn unreadable_files_are_errors() -> TestResult {
        let empty = temp(b"", ".csv")?;
        let err = read_inventory(empty.path(), &InventoryOptions::default())
            .err()
            .ok_or("accepted")?;
        assert!(matches!(
            err,
            InventoryError::Sheet(SheetError::Empty { .. })
        ));
        assert!(!err.is_usage());
        let err = read_inventory(
            Path::new(CORPUS_XLSX),
            &InventoryOptions {
                sheet: Some("Inventario".into()),
                ..InventoryOptions::default()
            },
        )
        .err()
        .ok_or("accepted")?;
        assert!(err.is_usage());
        assert!(err.to_string().contains("its sheets are: Hoja1"), "{err}");
        Ok(())
    }
}

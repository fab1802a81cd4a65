//! Importers: each reads one format into plain data (`nmap`, `inventory` over `sheet`; a filled
//! copy of the template or an `export json` file into a [`changeset::Changeset`]), and a
//! plan maps that data onto the workbook's devices (`plan`, `plan_nmap`, `plan_inventory`) so
//! a dry run shows exactly what a real run applies, all or nothing.
pub mod changeset;
pub mod inventory;
pub mod json;
pub mod nmap;
pub mod plan;
pub mod plan_changeset;
pub mod plan_inventory;
pub mod plan_nmap;
pub mod sheet;
pub mod workbook;

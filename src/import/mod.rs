//! Importers: each reads one format into plain data (`nmap`, `inventory` over `sheet`), and a
//! plan maps that data onto the workbook's devices (`plan`, `plan_nmap`, `plan_inventory`) so
//! a dry run shows exactly what a real run applies, all or nothing.
pub mod inventory;
pub mod nmap;
pub mod plan;
pub mod plan_inventory;
pub mod plan_nmap;
pub mod sheet;

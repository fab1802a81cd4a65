//! The report's stylesheet: screen and print (A4 / Letter margins, page breaks, repeated table
//! headers, colours kept), with one class per risk level in the matrix colours.

use std::fmt::Write;

use crate::report::svg;
use crate::risk::RiskLevel;

/// The whole stylesheet (system font stacks only: nothing is fetched).
pub(super) fn stylesheet() -> String {
    let mut css = String::from(
        r#"*{-webkit-print-color-adjust:exact;print-color-adjust:exact;box-sizing:border-box}
html{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;font-size:10.5pt;line-height:1.4;color:#1a1a1a;background:#fff;max-width:64rem;margin:0 auto;padding:1.5rem;overflow-wrap:break-word}
h1{font-size:1.9em;margin:.2em 0 .4em}h2{font-size:1.45em;margin:1.2em 0 .5em;border-bottom:2px solid #1f3b5c;padding-bottom:.15em;color:#1f3b5c}
h1,h2,h3{overflow-wrap:anywhere}h3{font-size:1.15em;margin:1em 0 .4em;color:#1f3b5c}h2,h3,h4{break-after:avoid;page-break-after:avoid}
p{margin:.35em 0 .6em}ul{margin:.3em 0 .7em}
table{border-collapse:collapse;width:calc(100% - 2px);margin:.4em 0 1em;font-size:.93em}
th,td{border:1px solid #b9c0c8;padding:.25em .4em;vertical-align:top;text-align:left;overflow-wrap:break-word}
td.st,th.st{white-space:nowrap}
table.fixed{table-layout:fixed}table.fixed td,table.fixed th{overflow-wrap:anywhere}
table.fixed td.id{white-space:nowrap;overflow-wrap:normal}table.fixed th{overflow-wrap:break-word}
col.c-rank{width:2.6em}col.c-id{width:5.6em}col.c-idlv{width:7.6em}col.c-lv{width:8.8em}col.c-resp{width:6.8em}
col.c-date{width:7.2em}col.c-status{width:5.8em}col.c-risk{width:24%}col.c-ctl{width:19%}col.c-owner{width:14%}col.c-dev{width:13%}col.c-who{width:14%}

th{background:#e8edf3;font-weight:600}thead{display:table-header-group}
tr,.keep,svg,figure{break-inside:avoid;page-break-inside:avoid}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}.muted{color:#5a6470}.small{font-size:.88em}
.lv{display:inline-block;padding:0 .35em;border-radius:3px;border:1px solid rgba(0,0,0,.3);white-space:nowrap;font-weight:600}
.flag{font-weight:700;color:#a00000}
.page{break-before:page;page-break-before:always}
#devices+.device{break-before:auto;page-break-before:auto}
.cover{display:flex;flex-direction:column;justify-content:space-between}
.cover dl{display:grid;grid-template-columns:13rem minmax(0,1fr);gap:.25em 1em;margin:1.2em 0}
.cover dt{font-weight:600;color:#1f3b5c}.cover dd{margin:0;overflow-wrap:anywhere}
.marking{border:2px solid #c00000;color:#7a0000;padding:.5em .8em;font-weight:700;margin:1em 0}
.kicker{text-transform:uppercase;letter-spacing:.08em;color:#5a6470;font-weight:600}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(10.5rem,1fr));gap:.5em;margin:.8em 0 1.2em}
.fact{border:1px solid #b9c0c8;border-radius:4px;padding:.4em .6em}.fact b{display:block;font-size:1.5em}
.identity{display:grid;grid-template-columns:11rem minmax(0,1fr) 11rem minmax(0,1fr);gap:.15em .8em;margin:.3em 0 .8em}
.identity dt{font-weight:600;color:#1f3b5c}.identity dd{margin:0;overflow-wrap:anywhere}
svg.chart{max-width:100%;height:auto;display:block;margin:.5em 0 1em}svg.heat{max-width:44rem}
svg text{font-family:inherit}svg .count{font-size:17px;font-weight:700}svg .abbr{font-size:11px;font-weight:600}
svg .scale{font-size:12px;fill:#1a1a1a}svg .axis{font-size:12px;font-weight:700;fill:#1f3b5c}
nav ol{columns:2;margin:.4em 0}
@page{margin:16mm 14mm}
@media print{body{max-width:none;padding:0;font-size:9.5pt}a{color:inherit;text-decoration:none}.cover{min-height:232mm}}
"#,
    );
    for level in RiskLevel::ALL {
        let (fill, ink) = level.colours();
        let _ = writeln!(
            css,
            ".lv-{}{{background:{};color:{}}}",
            level.abbreviation().to_lowercase(),
            svg::hex(fill),
            svg::hex(ink)
        );
    }
    css
}

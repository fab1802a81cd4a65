//! `<nmaprun>` and `<runstats><finished>`: the scanner, its version and the run's times.

use quick_xml::events::BytesStart;

use super::NmapError;
use super::attrs::short;
use super::parser::Parser;

impl Parser {
    pub(super) fn start_run(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [scanner, version, start] =
            self.attrs(e, "nmaprun", ["scanner", "version", "start"], line, control)?;
        match scanner.as_deref() {
            Some("nmap") => {}
            Some(other) => {
                let msg = format!(
                    "the scanner is '{}', not nmap; read as nmap output",
                    short(other)
                );
                self.warn(line, msg);
            }
            None => self.warn(
                line,
                "<nmaprun> names no scanner; read as nmap output".to_string(),
            ),
        }
        self.scan.nmap_version = version;
        self.scan.started = self.time_value(start, "<nmaprun start>", line);
        Ok(())
    }

    pub(super) fn finished(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [time, errormsg] = self.attrs(e, "finished", ["time", "errormsg"], line, control)?;
        self.scan.finished = self.time_value(time, "<finished time>", line);
        if let Some(msg) = errormsg {
            self.warn(line, format!("nmap reported an error: {msg}"));
        }
        Ok(())
    }
}

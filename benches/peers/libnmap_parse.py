#!/usr/bin/env python3
"""The python-libnmap peer of `medsec import nmap` (benches/peers/run.sh).

Usage: libnmap_parse.py SCAN.xml

Times NmapParser.parse_fromfile on an nmap -oX file, then reads, per host, what medsec keeps
from a scan (address, MAC and vendor, hostnames, state, the best OS match) and, per service,
port, protocol, state, service name and banner (product and version), so every host and
service object has really been built. Nothing is stored. Prints one JSON object on stdout:
  {"peer": "python-libnmap 0.7.3", "seconds": S, "parse_seconds": P, "hosts": H, "hosts_up": U,
   "services": N}
where "seconds" (wall, time.perf_counter) covers the parse and the reading of every field and
"parse_seconds" the parse alone. Exits 1 with a message when the file cannot be parsed.
"""

import json
import sys
import time
from importlib.metadata import version

from libnmap.parser import NmapParser, NmapParserException


def touch(report):
    """Reads every field medsec takes from a scan; returns (hosts, hosts_up, services)."""
    hosts = up = services = 0
    seen = 0
    for host in report.hosts:
        hosts += 1
        if not host.is_up():
            continue
        up += 1
        fields = [host.address, host.mac, host.vendor, host.status, *host.hostnames]
        matches = host.os_match_probabilities()
        if matches:
            fields.append(matches[0].name)
        for service in host.services:
            services += 1
            fields += [service.port, service.protocol, service.state, service.service,
                       service.banner]
        seen += sum(f is not None for f in fields)
    # A scan with hosts of which nothing could be read was not really parsed.
    if hosts and not seen:
        raise SystemExit("libnmap_parse: no field of any host could be read")
    return hosts, up, services


def main(argv):
    if len(argv) != 2:
        print("usage: libnmap_parse.py SCAN.xml", file=sys.stderr)
        return 2
    path = argv[1]
    start = time.perf_counter()
    try:
        report = NmapParser.parse_fromfile(path)
    except (OSError, NmapParserException) as e:
        print(f"libnmap_parse: {path}: {e}", file=sys.stderr)
        return 1
    parsed = time.perf_counter()
    hosts, up, services = touch(report)
    done = time.perf_counter()
    print(json.dumps({
        "peer": f"python-libnmap {version('python-libnmap')}",
        "seconds": done - start,
        "parse_seconds": parsed - start,
        "hosts": hosts,
        "hosts_up": up,
        "services": services,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Writes N syslog messages for bench/agent_vs_rsyslog.

Usage: gen_syslog.py N FRAMING INPUT EXPECTED
  FRAMING   octet (RFC 6587 "LEN SP MSG") or newline (MSG LF)
  INPUT     what the sender sends: every message framed
  EXPECTED  what both receivers must write: every message verbatim, one per line

Messages are RFC 3164 with an RFC 3339 timestamp (rsyslog's forward format), 8 apps and 4
severities in turn, and a body that starts with "s" and a 10-digit sequence number and then
varies with it, so a lost, duplicated or altered message shows up in a byte comparison.
"""
import sys

PRINTABLE = "".join(chr(c) for c in range(33, 127))
RING = PRINTABLE * 4


def main() -> int:
    n, framing, input_path, expected_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    if framing not in ("octet", "newline"):
        print("FRAMING must be octet or newline", file=sys.stderr)
        return 2
    with open(input_path, "wb", buffering=1 << 20) as framed, \
            open(expected_path, "wb", buffering=1 << 20) as expected:
        inputs, outputs = [], []
        for i in range(n):
            pri = 8 * (16 + i % 8) + (3 + i % 4)        # local0..local7, err..info
            second = i // 1000
            ts = f"2026-11-21T07:{(second // 60) % 60:02d}:{second % 60:02d}.{i % 1000:03d}Z"
            off = (i * 7919) % len(PRINTABLE)
            body = f"s{i:010d} {RING[off:off + 120]}"
            msg = f"<{pri}>{ts} web{i % 16:02d} app{i % 8}[{1000 + i % 50}]: {body}".encode()
            inputs.append(b"%d %s" % (len(msg), msg) if framing == "octet" else msg + b"\n")
            outputs.append(msg + b"\n")
            if len(inputs) == 10000:
                framed.write(b"".join(inputs))
                expected.write(b"".join(outputs))
                inputs.clear()
                outputs.clear()
        framed.write(b"".join(inputs))
        expected.write(b"".join(outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())

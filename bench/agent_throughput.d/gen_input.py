#!/usr/bin/env python3
"""Writes N events of exactly 200 bytes (199 printable ASCII characters + '\\n') to a file.

Each line starts with "s" and a 10-digit sequence number ("s0000000042 "), so a lost or duplicated line
can be found by sorting the first field (the letter keeps syslog receivers from taking the
number for an octet-counted frame length); the rest of the line varies with the sequence number
so the payload is not one repeated string.
Usage: gen_input.py N OUTPUT
"""
import sys

LINE = 200
PRINTABLE = "".join(chr(c) for c in range(33, 127))  # 94 printable characters, no space


def main() -> int:
    n = int(sys.argv[1])
    out = sys.argv[2]
    # A long printable ring; line i takes 187 characters from offset (i * 7919) % len(PRINTABLE).
    ring = PRINTABLE * 4
    body_len = LINE - 1 - 12  # "s", 10 digits, a space, then the body, then '\n'
    with open(out, "w", encoding="ascii", buffering=1 << 20) as f:
        chunk = []
        for i in range(n):
            off = (i * 7919) % len(PRINTABLE)
            chunk.append(f"s{i:010d} {ring[off:off + body_len]}\n")
            if len(chunk) == 10000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
    return 0


if __name__ == "__main__":
    sys.exit(main())

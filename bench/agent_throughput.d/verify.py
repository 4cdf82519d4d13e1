#!/usr/bin/env python3
"""Checks benchmark output against the input gen_input.py wrote: every sequence number 0..N-1
exactly once, every line byte-for-byte what the generator wrote for that number.

Usage: verify.py N FILE...
Prints one line: lines=… lost=… duplicated=… malformed=…; exits 1 if anything is off.
"""
import sys

LINE = 200
PRINTABLE = "".join(chr(c) for c in range(33, 127))
RING = (PRINTABLE * 4).encode("ascii")
BODY = LINE - 1 - 12


def expected(i: int) -> bytes:
    off = (i * 7919) % len(PRINTABLE)
    return b"s%010d " % i + RING[off:off + BODY]


def main() -> int:
    n = int(sys.argv[1])
    seen = bytearray(n)
    lines = malformed = duplicated = 0
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            for raw in f:
                lines += 1
                line = raw[:-1] if raw.endswith(b"\n") else raw
                try:
                    seq = int(line[1:11]) if line[:1] == b"s" else -1
                except ValueError:
                    seq = -1
                if seq < 0 or seq >= n or line != expected(seq):
                    malformed += 1
                    continue
                if seen[seq]:
                    duplicated += 1
                else:
                    seen[seq] = 1
    lost = n - sum(seen)
    print(f"lines={lines} lost={lost} duplicated={duplicated} malformed={malformed}")
    return 0 if lines == n and lost == 0 and duplicated == 0 and malformed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Prints the Flume events in Avro object container files, read with Apache Avro's Python
implementation (Debian's python3-avro; zstandard and snappy through python3-zstandard and
python3-snappy): per file a line {"file", "codec", "schema"}, then a line {"headers", "body_hex"}
per record. The integration tests compare this with what they sent."""
import json
import sys

import avro.datafile
import avro.io

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        codec = reader.get_meta("avro.codec")
        schema = reader.get_meta("avro.schema")
        print(json.dumps({"file": path, "codec": codec.decode() if codec else "null",
                          "schema": json.loads(schema.decode())}))
        for record in reader:
            print(json.dumps({"headers": record["headers"], "body_hex": record["body"].hex()}))
        reader.close()

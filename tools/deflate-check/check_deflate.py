#!/usr/bin/env python3
"""Checks Outpost's DEFLATE encoder against an independent decoder, Python's zlib.

Each fixtures/NAME.LEVEL.deflate is a raw DEFLATE stream that Deflate.compress wrote for
fixtures/NAME.in at LEVEL (DeflateFixtureTests checks that the encoder still writes exactly
these bytes). This decodes every stream with zlib.decompressobj(-15) (raw DEFLATE, 32 KiB
window) and compares it with its input: the stream must end (final block seen) with no bytes
left over, and give the input exactly. Prints one line per stream; exits 1 on any mismatch.
"""
import pathlib
import sys
import zlib

folder = pathlib.Path(__file__).resolve().parent / "fixtures"
streams = sorted(folder.glob("*.deflate"))
if not streams:
    sys.exit(f"check_deflate: no *.deflate files in {folder}")
failures = 0
for path in streams:
    name = path.name.split(".")[0]
    source = folder / f"{name}.in"
    if not source.exists():
        print(f"FAIL {path.name}: no input file {source.name}")
        failures += 1
        continue
    expected = source.read_bytes()
    data = path.read_bytes()
    decoder = zlib.decompressobj(-15)
    try:
        output = decoder.decompress(data) + decoder.flush()
    except zlib.error as error:
        print(f"FAIL {path.name}: zlib refuses it: {error}")
        failures += 1
        continue
    problems = []
    if not decoder.eof:
        problems.append("the stream has no final block")
    if decoder.unused_data:
        problems.append(f"{len(decoder.unused_data)} bytes after the final block")
    if output != expected:
        problems.append(f"decodes to {len(output)} bytes that differ from {source.name}")
    if problems:
        print(f"FAIL {path.name}: " + "; ".join(problems))
        failures += 1
    else:
        print(f"ok   {path.name}: {len(data)} bytes -> {len(output)}")
print(f"check_deflate: {len(streams) - failures} of {len(streams)} streams decode to their inputs")
sys.exit(1 if failures else 0)

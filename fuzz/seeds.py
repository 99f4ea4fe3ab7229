#!/usr/bin/env python3
"""Writes the seed corpus: small official R4 examples from the package in definitions/.

The smallest examples overall, plus the smallest few of each resource type the fuzz build
compiles (the others are read as raw JSON and exercise little), each under a size cap so the
corpus stays small and the fuzzer's inputs short. Run from anywhere; rewrites fuzz/seeds/.
"""
import json
import pathlib
import shutil
import tarfile

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE = HERE.parent / "definitions" / "r4" / "hl7.fhir.r4.examples-4.0.1.tgz"
SEEDS = HERE / "seeds"
SMALLEST = 120
PER_TYPE = 8
MAX_BYTES = 6000
# The resource features of fuzz/Cargo.toml.
TYPED = ["Patient", "Observation", "Bundle", "Questionnaire", "Parameters",
         "OperationOutcome", "StructureDefinition"]

examples = []
with tarfile.open(PACKAGE) as tgz:
    for m in tgz.getmembers():
        name = m.name.rsplit("/", 1)[-1]
        if not m.isfile() or not name.endswith(".json") or name.startswith(".") \
                or name == "package.json" or m.size > MAX_BYTES:
            continue
        data = tgz.extractfile(m).read()
        kind = json.loads(data).get("resourceType")
        examples.append((len(data), name, kind, data))

examples.sort()
chosen = {name: data for _, name, _, data in examples[:SMALLEST]}
for kind in TYPED:
    of_kind = [e for e in examples if e[2] == kind]
    chosen.update({name: data for _, name, _, data in of_kind[:PER_TYPE]})

shutil.rmtree(SEEDS, ignore_errors=True)
SEEDS.mkdir()
for name, data in sorted(chosen.items()):
    (SEEDS / name).write_bytes(data)
print(f"{len(chosen)} seeds, {sum(len(d) for d in chosen.values())} bytes in {SEEDS.name}/")

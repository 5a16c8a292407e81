"""Time the register import of one municipality's units from a national-size file.

Writes a synthetic national file with bench/brreg_file.py (unless --file is given), times
`zcat FILE > /dev/null` as the floor, then imports the municipality's units twice into a fresh
SQLite database built by the migrations. Each import runs in its own child process, which reports
its wall time and peak memory (ru_maxrss). The second run finds every unit unchanged and must be
faster than the first. Targets: under 60 s and under 300 MB per import.

    python bench/brreg_import.py                      # 1.2 million units, 3 repeats
    python bench/brreg_import.py --units 200000 --repeat 1
    python bench/brreg_import.py --file /tmp/enheter.csv.gz --database-url postgresql+psycopg://…
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 60.0
TARGET_MB = 300.0

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from config import DevelopmentConfig
from crm import create_app
from crm.extensions import db
from crm.imports.brreg import import_register_file
app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI={url!r})
with app.app_context():
    start = time.perf_counter()
    run = import_register_file(db.session, {path!r}, kommuner={{"3205"}}, user_id=None)
    db.session.commit()
    seconds = time.perf_counter() - start
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({{"seconds": seconds, "rss_mb": rss_kb / 1024, "status": run.status,
                       "summary": run.summary}}))
"""

_MIGRATE = r"""
import sys
sys.path.insert(0, {root!r})
from flask_migrate import upgrade
from config import DevelopmentConfig
from crm import create_app
from crm.extensions import db
app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI={url!r})
with app.app_context():
    upgrade()
"""


def _python(code: str) -> str:
    env = {**os.environ, "SECRET_KEY": "bench-" + "x" * 40}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"child failed with status {done.returncode}")
    return done.stdout


def _zcat_seconds(path: Path) -> float:
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run(["zcat", str(path)], stdout=sink, check=True)
    return time.perf_counter() - start


def _fresh_database(directory: Path, n: int) -> str:
    url = f"sqlite:///{directory / f'bench-{n}.sqlite'}"
    _python(_MIGRATE.format(root=str(ROOT), url=url))
    return url


def _import(url: str, path: Path) -> dict:
    out = _python(_CHILD.format(root=str(ROOT), url=url, path=str(path)))
    return json.loads(out.strip().splitlines()[-1])


def _describe(values: list[float], unit: str) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f} {unit}"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(values):.1f} {unit}, p95 {p95:.1f} {unit} (n={len(values)})"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_200_000)
    parser.add_argument("--file", type=Path, help="an existing register file (skips writing one)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh databases to import into")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="brreg-bench-") as tmp:
        directory = Path(tmp)
        path = args.file
        if path is None:
            path = directory / "enheter.csv.gz"
            print(f"writing {args.units:,} units to {path} …", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "bench" / "brreg_file.py"),
                    "--units",
                    str(args.units),
                    "--out",
                    str(path),
                    "--seed",
                    str(args.seed),
                ],
                check=True,
            )
        size_mb = path.stat().st_size / 2**20
        zcat = [_zcat_seconds(path) for _ in range(max(1, args.repeat))]
        first: list[dict] = []
        second: list[dict] = []
        for n in range(args.repeat):
            url = _fresh_database(directory, n)
            first.append(_import(url, path))
            second.append(_import(url, path))
            print(
                f"  repeat {n + 1}: first {first[-1]['seconds']:.1f} s "
                f"{first[-1]['rss_mb']:.0f} MB, second {second[-1]['seconds']:.1f} s "
                f"{second[-1]['rss_mb']:.0f} MB",
                flush=True,
            )

    summary = first[0]["summary"]
    print(f"file: {path.name}, {size_mb:.1f} MiB gzipped, {summary['read']:,} units read")
    print(f"kept {summary['kept']:,} (3205), created {summary['created']:,}")
    print(f"second run: {second[0]['summary']['unchanged']:,} unchanged")
    print(f"zcat floor:        {_describe(zcat, 's')}")
    first_s = [r["seconds"] for r in first]
    second_s = [r["seconds"] for r in second]
    peak = max(r["rss_mb"] for r in first + second)
    print(f"first import:      {_describe(first_s, 's')}")
    print(f"second (unchanged): {_describe(second_s, 's')}")
    print(f"peak memory:       {peak:.0f} MB (ru_maxrss of the import process)")
    ok = (
        max(first_s + second_s) < TARGET_SECONDS
        and peak < TARGET_MB
        and statistics.median(second_s) < statistics.median(first_s)
    )
    print(
        f"targets: < {TARGET_SECONDS:.0f} s, < {TARGET_MB:.0f} MB, second faster: "
        + ("met" if ok else "NOT MET")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

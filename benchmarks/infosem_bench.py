"""InfoSEM's unseen-gene benchmark on BEELINE: a thin wrapper of ``scugrn bench infosem``
(:mod:`scugrn.benchmark.infosem.cli`; ``--help`` lists the options)::

    .venv/bin/python benchmarks/infosem_bench.py --data-dir ../shared/data --out results/infosem \
        --networks Specific Non-Specific --cells hHEP mDC mESC mHSC-GM mHSC-L --size 500 \
        --seeds 10 --model-seeds 1 --epochs 20 --n-hidden 32 --bc-seeds 3 --n-jobs 2
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from scugrn.benchmark.infosem.cli import PAPER, PAPER_TABLE, main, markdown_tables

__all__ = ["PAPER", "PAPER_TABLE", "main", "markdown_tables"]

if __name__ == "__main__":
    sys.exit(main())

"""The demo backbone shipped with scugrn: ``scugrn.models.load("demo")`` / ``model="demo"``.

A small scGPT-architecture model (4 layers, d_model 64, scGPT's census vocabulary) pretrained with
scGPT's masked-value objective by ``benchmarks/pretrain_demo.py`` on the ~15k real cells of the
project's data folder. It is a demo, so that every example and test runs offline on a laptop, and
it is NOT a single-cell foundation model: ~15k cells are four to five orders of magnitude fewer
than scGPT_human's 33 million. Do not read biology into its outputs; use a real scGPT checkpoint
(``scugrn.models.load("path/to/scGPT_human")``) for that. Details: ``docs/demo_backbone.md``.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent / "demo"
# sha256 of demo/best_model.pt, as recorded in demo/train_log.json by benchmarks/pretrain_demo.py
DEMO_SHA256 = "413faccfe9a7ae37e1d6b8b7a7fb0757dfaf6f46a94b6ef60fca734383dee42e"


def demo(*, device: str | None = None, head: str = "mlm"):
    """Load the small demo backbone shipped with scugrn.

    This is a demo trained on ~15k cells (the project's corpus and BEELINE expression matrices),
    not a foundation model: a 4-layer, d_model 64 scGPT-architecture network with scGPT's census
    gene vocabulary (60,697 tokens; genes never seen in those cells keep random embeddings). It lets
    examples, tests and tutorials run offline on a CPU; its GRN features say little about biology.
    For real use load scGPT_human with :func:`scugrn.models.load`.

    Parameters
    ----------
    device
        ``"cpu"``, ``"cuda"``...; default ``scugrn.settings.device``.
    head
        ``"mlm"`` (expression decoder) or ``"mvc"``.

    Returns
    -------
    :class:`~scugrn.models.scgpt.ScGPTBackbone` named ``"scugrn-demo"``; its weights are checked
    against the sha256 recorded at training time.
    """
    from .scgpt import WEIGHTS_FILE, load_scgpt

    if not (DEMO_DIR / WEIGHTS_FILE).exists():
        msg = (
            f"The demo backbone is missing: expected {str(DEMO_DIR / WEIGHTS_FILE)!r} in the installed "
            "package. Reinstall scugrn, or rebuild it with benchmarks/pretrain_demo.py."
        )
        raise FileNotFoundError(msg)
    return load_scgpt(DEMO_DIR, sha256=DEMO_SHA256, device=device, head=head, name="scugrn-demo")

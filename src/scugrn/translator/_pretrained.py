"""Translators shipped with scugrn, for the demo backbone: ``scugrn.translator.pretrained()``.

Trained by ``benchmarks/train_pretrained_translators.py`` on BEELINE hESC / STRING / TFs+500
(zero-expression mode: ``scugrn.from_genes`` → ``tl.vvp`` / ``tl.gdt`` with ``model="demo"`` at
the default probe values; labels: all ground-truth edges and as many sampled negatives, seed 0;
docs/methods.md §4 training settings). Their feature spec names the demo backbone's sha256, so they
refuse features from any other backbone. Provenance: ``pretrained/README.json``.
"""

from __future__ import annotations

from pathlib import Path

PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"
_FILES = {"vvp": "vvp.safetensors", "gdt": "gdt.safetensors", "ens": "ens"}


def pretrained(name: str = "ens"):
    """A translator trained on hESC-STRING (TFs+500) features of the demo backbone.

    Parameters
    ----------
    name
        ``"ens"`` (σ of the mean of the VVP and GDT translators' logits, needs both
        ``tl.vvp`` and ``tl.gdt`` features), ``"vvp"`` or ``"gdt"``.

    Returns
    -------
    :class:`~scugrn.translator.Ensemble` for ``"ens"``, else :class:`~scugrn.translator.Translator`.
    Use with features computed with ``model="demo"`` and the default probe values.

    Examples
    --------
    >>> import scugrn
    >>> adata = scugrn.from_genes(["GATA1", "SPI1", "TAL1", "KLF1"], tfs=["GATA1", "SPI1", "TAL1"])
    >>> scugrn.tl.vvp(adata, model="demo"); scugrn.tl.gdt(adata, model="demo")  # doctest: +SKIP
    >>> scugrn.tl.predict_grn(adata, translator=scugrn.translator.pretrained("ens"))  # doctest: +SKIP
    """
    from ._mlp import load

    key = str(name).lower()
    if key not in _FILES:
        msg = f"Unknown pretrained translator {name!r}; expected one of {sorted(_FILES)}."
        raise ValueError(msg)
    path = PRETRAINED_DIR / _FILES[key]
    if not path.exists():
        msg = (
            f"The pretrained translator {key!r} is missing: expected {str(path)!r} in the installed "
            "package. Reinstall scugrn or rebuild it with benchmarks/train_pretrained_translators.py."
        )
        raise FileNotFoundError(msg)
    return load(path)

"""Transcription-factor lists (BEELINE's human/mouse lists)."""

from __future__ import annotations

from pathlib import Path

from .._species import check_species
from ._paths import data_file


def tf_list(species: str = "human", *, path: str | Path | None = None) -> list[str]:
    """TF symbols for ``species`` from BEELINE's lists (``tf_lists/<species>-tfs.csv``).

    ``path`` may be a data folder (shared/data layout) or a CSV/text file whose first column
    holds the symbols. Without it, ``settings.data_dir`` is used, else the copy cached in
    ``settings.cache_dir``, else the list is downloaded from BEELINE's repository (sha256-checked).
    BEELINE's lists are GPL-3.0, so they are not bundled with scugrn (MIT).

    Raises
    ------
    scugrn.MissingDataError
        Offline with no local copy: one line naming the file, the URL and the ways around it.
    """
    import pandas as pd

    species = check_species(species)
    if path is not None and Path(path).is_file():
        f = Path(path)
    else:
        f = data_file(f"tf_lists/{species}-tfs.csv", path,
                      hint="give your own TF list (CLI: --tfs FILE; Python: tfs=[...])")
    df = pd.read_csv(f)
    if df.shape[1] == 0 or len(df) == 0:
        msg = f"TF list {str(f)!r} is empty; expected a CSV whose first column holds TF symbols."
        raise ValueError(msg)
    return [str(s) for s in df.iloc[:, 0].dropna()]

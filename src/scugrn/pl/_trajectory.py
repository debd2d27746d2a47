"""``scugrn.pl.trajectory``: the feature curve behind one pair."""

from __future__ import annotations

import numpy as np

from .._keys import Key
from ._figure import finish, new_ax


def trajectory(adata, *, source: str, target: str, keys=(Key.VVP, Key.GDT), both_directions: bool = True, ax=None,
               show: bool | None = None, save=None):
    """Feature trajectory of one pair: e.g. GDT's ∂M_target/∂v_source at each base value.

    Parameters
    ----------
    adata
        AnnData with pair features in ``varp`` (``tl.vvp`` / ``tl.gdt``).
    source, target
        Gene names.
    keys
        Feature keys to draw; the x axis is the probe's values read from ``uns[f"{key}_params"]``.
    both_directions
        Also draw target → source, dashed.
    ax, show, save
        Axes to draw into; show the figure (default: when matplotlib is interactive); save it to a path.

    Returns
    -------
    The Axes.
    """
    ax = new_ax(ax)
    names = list(adata.var_names)
    for g in (source, target):
        if g not in names:
            msg = f"{g!r} is not in adata.var_names."
            raise ValueError(msg)
    i, j = names.index(source), names.index(target)
    for key in [keys] if isinstance(keys, str) else keys:
        if key not in adata.varp:
            continue
        p = adata.uns.get(Key.params(key), {})
        x = np.asarray(p.get("base_values", p.get("target_values", np.arange(adata.varp[key].shape[2]))))
        (line,) = ax.plot(x, adata.varp[key][i, j], marker="o", label=f"{key}: {source}→{target}")
        if both_directions:
            ax.plot(x, adata.varp[key][j, i], ls="--", color=line.get_color(), label=f"{key}: {target}→{source}")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.set_xlabel("input value (backbone scale)")
    ax.set_ylabel("feature")
    ax.legend(fontsize=7, frameon=False)
    return finish(ax, show=show, save=save)

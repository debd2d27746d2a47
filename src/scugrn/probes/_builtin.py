"""The built-in probes (docs/methods.md §2–3). Each is registered with its metadata.

All values are in the backbone's input scale (scGPT: bins ``0 .. n_bins-1``).
"""

from __future__ import annotations

import numpy as np
import torch

from .._settings import settings
from ._registry import ProbeMeta, register

UGRN = "Towards Universal GRN Inference (ICML 2026), arXiv:2605.08128"


def _vvp_defaults(model, n: int) -> dict:
    lo, hi = model.value_range
    return {"base_value": lo, "target_values": np.linspace(lo, hi, n + 1)[1:].tolist()}


def _gdt_defaults(model, n: int) -> dict:
    lo, hi = model.value_range
    return {"base_values": np.linspace(lo, hi, n).tolist(), "background": lo}


def _values(params: dict, key: str) -> torch.Tensor:
    return torch.as_tensor(np.asarray(params[key], dtype=np.float32))


class _PairProbe:
    forward_ad = False

    def __init__(self, model, ids, params, x_bar):
        self.model, self.ids, self.params, self.x_bar = model, ids, params, x_bar
        self.K = int(ids.shape[0])
        if self.meta.needs_expression and x_bar is None:
            msg = (
                f"Probe {self.meta.name!r} needs expression (the mean cell x̄), but the AnnData has "
                "no cells. Use vvp/gdt/emb for a gene list, or pass an AnnData with cells."
            )
            raise ValueError(msg)

    def setup(self):
        pass

    def _split(self, units):
        return units // self.width, units % self.width  # source index, channel


@register(ProbeMeta(
    "vvp", "Virtual value perturbation: M(v, i←v_p,m)_j − M(v, i←v_b)_j for M target values",
    needs_expression=False, slot="varp", reference=UGRN + " eq. 8",
    width=lambda p: len(p["target_values"]), defaults=_vvp_defaults, value_keys=("base_value", "target_values"),
))
class VVP(_PairProbe):
    # First layer from the base cell (models._rows): measured 8 % faster on the demo backbone at
    # K = 848 but 15 % slower on a 2-layer d = 32 model at K = 900, where fused attention is cheap
    # (benchmarks/probe_speed.py, "engine paths"); used only with settings.first_layer = "rows".
    @property
    def use_rows(self) -> bool:
        return settings.first_layer == "rows"

    def __init__(self, *a):
        super().__init__(*a)
        self.targets = _values(self.params, "target_values").to(self.ids.device)
        self.width = len(self.targets)
        self.base = float(self.params["base_value"])

    def setup(self):
        base = torch.full((1, self.K), self.base, device=self.ids.device)
        self.base_out = self.model.predict(self.ids, base)  # (1, K): shared by every source

    def compute(self, units):
        src, ch = self._split(units)
        if self.use_rows:
            base = torch.full((self.K,), self.base, device=self.ids.device)
            out = self.model.predict_rows(self.ids, base, src, self.targets[ch])
            if out is not None:
                return out - self.base_out
        v = torch.full((len(units), self.K), self.base, device=self.ids.device)
        v[torch.arange(len(units)), src] = self.targets[ch]
        return self.model.predict(self.ids, v) - self.base_out


@register(ProbeMeta(
    "gdt", "Gradient trajectory: ∂M(v, i←v_b,t)_j/∂v_i at T base values (forward-mode JVP)",
    needs_expression=False, slot="varp", reference=UGRN + " eq. 9",
    width=lambda p: len(p["base_values"]), defaults=_gdt_defaults, value_keys=("base_values", "background"),
))
class GDT(_PairProbe):
    forward_ad = True

    def __init__(self, *a):
        super().__init__(*a)
        self.bases = _values(self.params, "base_values").to(self.ids.device)
        self.width = len(self.bases)
        self.background = self.params["background"]

    def primal_tangent(self, units):
        """Cells at the fixed background with source i at v_b,t, and the tangent e_i."""
        src, ch = self._split(units)
        B = len(units)
        rows = torch.arange(B, device=units.device)
        v = torch.full((B, self.K), float(self.background), device=units.device)
        v[rows, src] = self.bases[ch]
        t = torch.zeros_like(v)
        t[rows, src] = 1.0
        return v, t

    def compute(self, units):
        if self.background == "base":
            return self._shared_primal(units)
        src, ch = self._split(units)
        if settings.first_layer != "full":  # "auto" and "rows": the first layer from the base cell
            base = torch.full((self.K,), float(self.background), device=units.device)
            out = self.model.predict_rows(self.ids, base, src, self.bases[ch], tangent=True)
            if out is not None:
                return out
        v, t = self.primal_tangent(units)
        return self.model.predict_jvp(self.ids, v, t)  # (B, K): row b = ∂M_j/∂v_src(b) for every target j

    def _shared_primal(self, units):
        """background='base': every source at base value t shares the primal cell b_t·1, so the
        primal pass runs once per t and only the tangents are batched."""
        src, ch = self._split(units)
        out = torch.empty(len(units), self.K, device=units.device)
        for c in torch.unique(ch).tolist():
            sel = torch.nonzero(ch == c).squeeze(1)
            v = torch.full((1, self.K), float(self.bases[c]), device=units.device)
            T = torch.zeros(len(sel), self.K, device=units.device)
            T[torch.arange(len(sel)), src[sel]] = 1.0
            out[sel] = self.model.predict_jvp(self.ids, v, T)
        return out


@register(ProbeMeta(
    "pert", "In-silico knock-out on the mean cell: M(x̄)_j − M(x̄ with i←0)_j",
    needs_expression=True, slot="varp", reference=UGRN + " eq. 6 (Baseline-Pert)",
    width=lambda p: 1,
))
class Pert(_PairProbe):
    width = 1

    def setup(self):
        self.base_out = self.model.predict(self.ids, self.x_bar[None, :])

    def compute(self, units):
        v = self.x_bar[None, :].repeat(len(units), 1)
        v[torch.arange(len(units)), units] = 0.0
        return self.base_out - self.model.predict(self.ids, v)


@register(ProbeMeta(
    "origin_pert", "Zero-shot knock-out score s_ij = pert feature on x̄",
    needs_expression=True, slot="varp", reference=UGRN + " eq. 3", width=lambda p: 1, zero_shot=True,
))
class OriginPert(Pert):
    pass


@register(ProbeMeta(
    "origin_attn", "Zero-shot attention score: Σ_layers attention(i→j) on x̄, mean over heads",
    needs_expression=True, slot="varp", reference=UGRN + " eq. 4", width=lambda p: 1, zero_shot=True,
))
class OriginAttn(_PairProbe):
    width = 1

    def full(self):
        w = self.model.attention(self.ids, self.x_bar[None, :])  # (n_layers, 1, K, K)
        return w.sum(0)[0].cpu().numpy()[:, :, None].astype(np.float32)


@register(ProbeMeta(
    "emb", "Gene-token embeddings E (pair feature E_i + E_j)", needs_expression=False, slot="varm",
    reference=UGRN + " eq. 7", width=lambda p: p["d_model"],
    defaults=lambda model, n: {"d_model": model.info.d_model},
))
class Emb(_PairProbe):
    def full(self):
        return self.model.gene_embedding_table(self.ids).float().cpu().numpy()

"""The translator f_φ: an MLP in→128→64→1 from pair features to a regulation logit (docs/methods.md §4).

Saved as one safetensors file whose metadata holds the JSON feature spec (probe, probe values,
backbone identity and hash, standardisation). Applying it to features made differently is an error
that names the setting that differs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

logger = logging.getLogger("scugrn")

# settings that must match between training features and the features a translator is applied to
SPEC_VALUE_KEYS = ("probe", "base_value", "target_values", "base_values", "background", "head", "window")
HIDDEN = (128, 64)


def _mlp(d_in: int, hidden=HIDDEN):
    from torch import nn

    layers, d = [], d_in
    for h in hidden:
        layers += [nn.Linear(d, h), nn.ReLU()]
        d = h
    layers.append(nn.Linear(d, 1))
    return nn.Sequential(*layers)


def _window(spec: dict) -> int:
    return int(spec.get("window") or 0)  # 0 = the whole list in one context


def feature_spec(params: dict, key: str) -> dict:
    """The part of ``adata.uns[f'{key}_params']`` a translator depends on."""
    spec = {k: params[k] for k in SPEC_VALUE_KEYS if k in params}
    spec["window"] = _window(spec)
    bb = params.get("backbone", {})
    spec["backbone"] = {k: bb.get(k) for k in ("name", "arch", "sha256")}
    spec["key"] = key
    return spec


def _same(a, b) -> bool:
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
        if a.shape != b.shape:
            return False
        try:
            return bool(np.allclose(a.astype(float), b.astype(float)))
        except (TypeError, ValueError):
            return bool((a == b).all())
    if isinstance(a, float) or isinstance(b, float):
        try:
            return bool(np.isclose(float(a), float(b)))
        except (TypeError, ValueError):
            return False
    return a == b


def check_spec(spec: dict, params: dict, *, key: str, what: str) -> None:
    """Raise ``ValueError`` naming the first setting in which ``params`` differ from ``spec``."""
    got = feature_spec(params, key)
    spec = {**spec, "window": _window(spec)}  # translators saved before windows existed: 0
    for k in SPEC_VALUE_KEYS:
        if (k in spec or k in got) and not _same(spec.get(k), got.get(k)):
            msg = (
                f"Features {key!r} were made with {k}={got.get(k)!r}, but {what} expects "
                f"{k}={spec.get(k)!r}. Recompute them with the expected settings: "
                f"{({kk: spec[kk] for kk in SPEC_VALUE_KEYS if kk in spec})}."
            )
            raise ValueError(msg)
    want_bb, got_bb = spec.get("backbone", {}), got.get("backbone", {})
    if want_bb.get("sha256") != got_bb.get("sha256"):
        msg = (
            f"Features {key!r} come from backbone {got_bb.get('name')!r} (sha256 "
            f"{str(got_bb.get('sha256'))[:16]}…), but {what} expects {want_bb.get('name')!r} "
            f"(sha256 {str(want_bb.get('sha256'))[:16]}…). Compute the features with that backbone."
        )
        raise ValueError(msg)


class Translator:
    """A trained translator. Use :func:`scugrn.tl.train_translator` to make one and
    :meth:`load` / :meth:`save` to keep it."""

    def __init__(self, net, spec: dict, *, mean=None, std=None, info: dict | None = None):
        self.net = net.eval()
        self.spec = spec
        self.mean = None if mean is None else np.asarray(mean, dtype=np.float32)
        self.std = None if std is None else np.asarray(std, dtype=np.float32)
        self.info = info or {}

    def __repr__(self) -> str:
        bb = self.spec.get("backbone", {})
        return (f"Translator(probe={self.spec.get('probe')!r}, in={self.n_in}, backbone="
                f"{bb.get('name')!r}:{str(bb.get('sha256'))[:12]}, standardize={self.mean is not None})")

    @property
    def n_in(self) -> int:
        return self.net[0].in_features

    @property
    def keys(self) -> list[str]:
        return [self.spec["key"]]

    def check(self, params: dict, *, key: str) -> None:
        """Raise if features ``params`` (``adata.uns[f'{key}_params']``) were made differently."""
        check_spec(self.spec, params, key=key, what="this translator")

    def logits(self, X: np.ndarray) -> np.ndarray:
        import torch

        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.n_in:
            msg = f"Expected pair features of shape (n, {self.n_in}), found {X.shape}."
            raise ValueError(msg)
        if self.mean is not None:
            X = (X - self.mean) / self.std
        out = []
        with torch.no_grad():
            for s in range(0, len(X), 65536):
                out.append(self.net(torch.from_numpy(X[s : s + 65536])).squeeze(-1).numpy())
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def predict_proba(self, X) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(X)))

    # --- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        from safetensors.torch import save_file

        path = Path(path)
        tensors = {f"net.{k}": v.contiguous() for k, v in self.net.state_dict().items()}
        import torch

        if self.mean is not None:
            tensors["standardize.mean"] = torch.from_numpy(self.mean)
            tensors["standardize.std"] = torch.from_numpy(self.std)
        meta = {"format": "scugrn.translator/1", "spec": json.dumps(self.spec),
                "info": json.dumps(self.info), "n_in": str(self.n_in), "hidden": json.dumps(HIDDEN)}
        save_file(tensors, str(path), metadata=meta)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Translator:
        from safetensors import safe_open

        path = Path(path)
        if not path.exists():
            msg = f"Translator file {str(path)!r} not found."
            raise FileNotFoundError(msg)
        try:
            with safe_open(str(path), framework="pt") as f:
                meta = f.metadata() or {}
                tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open is not a dict)
        except Exception as e:
            msg = f"{str(path)!r} is not a readable safetensors translator ({e})."
            raise ValueError(msg) from e
        if meta.get("format") != "scugrn.translator/1":
            msg = f"{str(path)!r} is not a scugrn translator (metadata format={meta.get('format')!r})."
            raise ValueError(msg)
        net = _mlp(int(meta["n_in"]), tuple(json.loads(meta["hidden"])))
        net.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")}, strict=True)
        mean = tensors.get("standardize.mean")
        std = tensors.get("standardize.std")
        return cls(net, json.loads(meta["spec"]),
                   mean=None if mean is None else mean.numpy(), std=None if std is None else std.numpy(),
                   info=json.loads(meta.get("info", "{}")))


class Ensemble:
    """Ens: σ(mean of member translators' logits) (docs/methods.md §4), each on its own features."""

    def __init__(self, members: list[Translator]):
        if not members:
            msg = "An ensemble needs at least one translator."
            raise ValueError(msg)
        self.members = list(members)

    def __repr__(self) -> str:
        return f"Ensemble({[m.spec.get('probe') for m in self.members]})"

    @property
    def keys(self) -> list[str]:
        return [m.spec["key"] for m in self.members]

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        names = []
        for i, m in enumerate(self.members):
            name = f"{i}_{m.spec['key']}.safetensors"
            m.save(folder / name)
            names.append(name)
        (folder / "ensemble.json").write_text(json.dumps({"members": names}))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Ensemble:
        folder = Path(folder)
        spec = json.loads((folder / "ensemble.json").read_text())
        return cls([Translator.load(folder / n) for n in spec["members"]])


def load(path: str | Path):
    """Load a translator file (``.safetensors``) or an ensemble folder."""
    path = Path(path)
    if path.is_dir():
        if not (path / "ensemble.json").exists():
            msg = f"{str(path)!r} is a folder without ensemble.json; expected a translator file or an ensemble folder."
            raise ValueError(msg)
        return Ensemble.load(path)
    return Translator.load(path)

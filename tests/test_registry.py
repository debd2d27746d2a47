"""One registry shape for every kind of method (scugrn._registry.Registry)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from scugrn._registry import Registry


def _registries():
    from scugrn.benchmark.baselines import BASELINES
    from scugrn.benchmark.infosem import METHODS
    from scugrn.benchmark.metrics import METRICS
    from scugrn.embeddings import SOURCES
    from scugrn.infosem import VARIANTS
    from scugrn.probes import PROBES

    return {"probe": PROBES, "embedding source": SOURCES, "InfoSEM variant": VARIANTS, "baseline": BASELINES,
            "metric": METRICS, "InfoSEM benchmark method": METHODS}


@pytest.mark.parametrize("kind", list(_registries()))
def test_every_kind_uses_the_registry(kind):
    reg = _registries()[kind]
    assert isinstance(reg, Registry) and reg.kind == kind
    df = reg.frame()
    assert list(df["name"]) == list(reg) and len(reg) >= 3
    assert not any(callable(v) for v in df.iloc[0].to_numpy()), "callables are left out of the table"
    with pytest.raises(ValueError, match=rf"Unknown {kind} 'nope'; expected one of \["):
        reg.get("nope")
    assert reg.get("nope", None) is None
    name = next(iter(reg))
    assert reg.get(name) is reg[name]


@dataclass(frozen=True)
class _Meta:
    name: str
    desc: str
    fn: object = field(default=None, repr=False, compare=False)


def test_duplicate_names():
    reg = Registry("thing")
    a = reg.register("a", _Meta("a", "first", fn=len))
    assert reg.register("a", _Meta("a", "first", fn=len)) is not a  # equal metadata (a reload): replaced
    with pytest.raises(ValueError, match="A thing named 'a' is already registered"):
        reg.register("a", _Meta("a", "other"))
    strict = Registry("thing", strict=True)
    strict.register("a", _Meta("a", "first"))
    with pytest.raises(ValueError, match="already registered"):
        strict.register("a", _Meta("a", "first"))


def test_aliases_and_lazy_loading():
    loaded = []
    reg = Registry("variant", case_insensitive=True, load=lambda: loaded.append(1), hint="(see docs)")
    m = reg.register("deepsem", _Meta("deepsem", "x"), aliases=("DeepSEM", "ds"))
    assert reg.get("DS") is m and reg.get("deepSEM") is m and loaded == [1]
    reg.get("ds")
    assert loaded == [1]  # loads once
    with pytest.raises(ValueError, match=r"\(see docs\)"):
        reg.get("x")


def test_duplicate_baseline_and_metric_rejected():
    from scugrn.benchmark.baselines import register_baseline
    from scugrn.benchmark.metrics import register_metric

    with pytest.raises(ValueError, match="already registered"):
        register_baseline(name="pearson", desc="x", reference="y")(lambda adata: None)
    with pytest.raises(ValueError, match="already registered"):
        register_metric(name="auprc", desc="x", reference="y")(lambda a, b: 0.0)


def test_probe_defaults_come_from_metadata(tiny_model):
    """``default_params`` reads a probe's defaults and value keys from its metadata: a new probe
    registered with them gets them checked, with no dispatch on its name."""
    from scugrn.probes import PROBES, ProbeMeta, default_params, register

    lo, hi = tiny_model.value_range
    meta = ProbeMeta("toy_probe", "a test probe", needs_expression=False, slot="varp", reference="test",
                     width=lambda p: len(p["levels"]),
                     defaults=lambda model, n: {"levels": np.linspace(*model.value_range, n).tolist(), "at": lo},
                     value_keys=("levels", "at"))
    try:
        register(meta)(type("ToyProbe", (), {}))
        p = default_params("toy_probe", tiny_model, n_values=3)
        assert p == {"levels": np.linspace(lo, hi, 3).tolist(), "at": lo}
        with pytest.raises(ValueError, match="outside the backbone's input range"):
            default_params("toy_probe", tiny_model, at=hi + 1)
        with pytest.raises(ValueError, match="non-empty list"):
            default_params("toy_probe", tiny_model, levels=[])
        with pytest.raises(TypeError, match="Unknown parameter"):
            default_params("toy_probe", tiny_model, base_value=lo)
    finally:
        PROBES.pop("toy_probe", None)
    assert default_params("emb", tiny_model) == {"d_model": tiny_model.info.d_model}
    assert set(default_params("vvp", tiny_model)) == set(PROBES.meta("vvp").value_keys)

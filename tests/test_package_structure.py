"""The public API, read from ``__all__`` (the way scanpy's tests/test_package_structure.py does):
every public ``pp``/``tl``/``pl`` function follows the scverse calling convention. A new public
function is checked as soon as it is in an ``__all__``; a failure says what it lacks."""

from __future__ import annotations

import inspect
import re

import pytest

import scugrn

MODULES = ("pp", "tl", "pl")


def _public():
    out = []
    for m in MODULES:
        mod = getattr(scugrn, m)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj):
                out.append(pytest.param(m, name, obj, id=f"{m}.{name}"))
    return out


PUBLIC = _public()

# Annotations (``adata: AnnData`` / ``-> AnnData | None``) come with the CONTRACT engineer's signature
# edits to these functions; strict: each entry must go once its function is annotated.
NOT_ANNOTATED_YET = {"pp.select", "tl.emb", "tl.gdt", "tl.vvp", "tl.pert", "tl.origin_pert", "tl.origin_attn",
                     "tl.infosem", "tl.predict_grn", "pl.network", "pl.trajectory", "pl.pr_curves",
                     "pl.transfer_heatmap"}


def _returns_section(doc: str) -> str:
    m = re.search(r"^Returns\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", inspect.cleandoc(doc or ""), flags=re.MULTILINE | re.DOTALL)
    return m[1] if m else ""


def test_there_are_public_functions():
    names = {p.id for p in PUBLIC}
    assert {"pp.select", "tl.vvp", "tl.gdt", "tl.predict_grn", "tl.train_translator", "tl.infosem"} <= names


@pytest.mark.parametrize(("mod", "name", "fn"), PUBLIC)
def test_signature(mod, name, fn):
    params = list(inspect.signature(fn).parameters.values())
    lacks = []
    if not params or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        lacks.append("a positional first parameter (the data)")
    elif mod in ("pp", "tl") and params[0].name != "adata":
        lacks.append(f"a first parameter named 'adata' (found {params[0].name!r})")
    rest = [p.name for p in params[1:] if p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD)]
    if rest:
        lacks.append(f"keyword-only parameters after the first (positional: {rest}; add '*')")
    assert not lacks, f"scugrn.{mod}.{name} lacks " + "; ".join(lacks)


@pytest.mark.parametrize(("mod", "name", "fn"), [p for p in PUBLIC if p.values[0] in ("pp", "tl")])
def test_returns_section_lists_what_is_written(mod, name, fn):
    ret = _returns_section(fn.__doc__)
    assert ret.strip(), f"scugrn.{mod}.{name} lacks a numpy-style 'Returns' section in its docstring"
    params = inspect.signature(fn).parameters
    if "copy" in params:
        assert params["copy"].default is False, f"scugrn.{mod}.{name}: copy= must default to False"
        assert "None" in ret and "copy" in ret, (
            f"scugrn.{mod}.{name}: the Returns section must say it returns None in place and the copy "
            "with copy=True")
        assert any(s in ret for s in ("varp", "varm", "uns", "var[", "obs", "layers")), (
            f"scugrn.{mod}.{name}: the Returns section must list the slots it writes (adata.varp[...], ...)")
    else:
        assert "writes nothing" in ret or not any(s in ret for s in ("Writes", "Sets")), (
            f"scugrn.{mod}.{name} writes into adata but has no copy= parameter")


def _annotation_params():
    out = []
    for p in PUBLIC:
        marks = [pytest.mark.xfail(strict=True, reason="annotations pending")] if p.id in NOT_ANNOTATED_YET else []
        out.append(pytest.param(*p.values, id=p.id, marks=marks))
    return out


@pytest.mark.parametrize(("mod", "name", "fn"), _annotation_params())
def test_annotations(mod, name, fn):
    params = list(inspect.signature(fn).parameters.values())
    lacks = []
    if params[0].name == "adata" and "AnnData" not in str(params[0].annotation):
        lacks.append("the annotation 'adata: AnnData' (MuData allowed too)")
    if inspect.signature(fn).return_annotation is inspect.Signature.empty:
        lacks.append("a return annotation (e.g. '-> AnnData | None')")
    assert not lacks, f"scugrn.{mod}.{name} lacks " + "; ".join(lacks)

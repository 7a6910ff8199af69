"""Wording sees plain read-only data: no model, no method, no mutable container, and bounded work."""
from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from report_builder.errors import TemplateError
from report_builder.theme import wording as wording_module
from report_builder.theme.view import FrozenMap, Record, unwrap, view

BASE = Path(__file__).resolve().parent / "corpus" / "base.yaml"


@pytest.fixture(scope="module")
def report():
    from report_builder.analysis.report import load_report

    return load_report(BASE)


@pytest.fixture
def wording(tmp_path, report):
    """A template folder with one wording file, rendered with the report's usual context."""
    from report_builder.theme.template import load_template

    def render(source: str) -> str:
        folder = tmp_path / "t"
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "wording").mkdir(parents=True)
        (folder / "template.yaml").write_text("extends: default\n")
        (folder / "wording" / "probe.j2").write_text(source)
        template = load_template(str(folder))
        return template.text("probe", report=report, evidence=report.evidence, drug=report.evidence.drug,
                             theme=template.theme)

    return render


# ------------------------------------------------------------------------------------------ what wording reaches
def reachable(value, depth: int = 0):
    """Every value a template can reach by reading fields, items and elements of a view."""
    yield value
    if depth > 6:
        return
    if isinstance(value, Record):
        for name in sorted(object.__getattribute__(value, "_names")):
            yield from reachable(getattr(value, name), depth + 1)
    elif isinstance(value, FrozenMap):
        for key, item in value.items():
            yield from reachable(item, depth + 1)
    elif isinstance(value, (tuple, frozenset)):
        for item in list(value)[:20]:
            yield from reachable(item, depth + 1)


def test_nothing_reachable_from_the_report_is_a_model_a_method_or_mutable(report):
    from pydantic import BaseModel

    seen = 0
    for value in reachable(view(report)):
        seen += 1
        assert not isinstance(value, (BaseModel, list, dict, set, Path)), type(value)
        assert not callable(value), type(value)
        assert not dataclasses.is_dataclass(value) or isinstance(value, Record)
    assert seen > 500


@pytest.mark.parametrize("source", [
    "{{ drug.parse_raw('{}') }}",
    "{{ drug.parse_file('/etc/hostname') }}",
    "{{ drug.model_copy() }}",
    "{{ drug.model_dump() }}",
    "{{ evidence.study('trial1') }}",
    "{{ report.effects_of('trial1', 'cr') }}",
    "{{ evidence.studies[0].outcomes[0].arms.update({}) }}",
    "{{ evidence.studies[0].outcomes[0].arms.pop('dx') }}",
    "{{ evidence.references.append(1) }}",
    "{{ report.source.read_text() }}",
    "{{ drug._source }}",
    "{{ drug.__getattr__('name') }}",
])
def test_methods_of_the_models_and_containers_are_out_of_reach(wording, source):
    with pytest.raises(TemplateError, match=r"probe\.j2:1: .*(has no attribute|is unsafe)"):
        wording(source)


def test_the_evidence_is_unchanged_by_any_wording(wording, report):
    before = report.evidence.model_dump()
    for source in ("{% set arms = evidence.studies[0].outcomes[0].arms %}{% set x = arms|list %}{{ x.append(1) }}",
                   "{% set d = dict(evidence.studies[0].outcomes[0].arms) %}{{ d.update({'dx': none}) }}"):
        wording(source)  # the template's own copies change; the evidence does not
    assert report.evidence.model_dump() == before


def test_the_report_filters_still_format_the_objects_behind_the_views(wording):
    assert wording("{{ evidence.studies[0].outcomes[1].arms.chemo.median|number }}") == "6.0"
    assert wording("{{ evidence.studies[0].outcomes[0].p|p_value }}")


# ------------------------------------------------------------------------------------------ property tests
data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    | st.sets(st.integers(), max_size=3),
    max_leaves=20,
)


def mutable_inside(value) -> bool:
    if isinstance(value, (list, dict, set)):
        return True
    if isinstance(value, FrozenMap):
        return any(mutable_inside(v) for v in value.values())
    if isinstance(value, (tuple, frozenset)):
        return any(mutable_inside(v) for v in value)
    return False


@settings(max_examples=200, deadline=None)
@given(data)
def test_a_view_of_any_data_holds_nothing_mutable_and_equals_the_data(value):
    seen = view(value)
    assert not mutable_inside(seen)
    plain = _plain(seen)
    assert plain == _plain(value)


def _plain(value):
    if isinstance(value, (FrozenMap, Mapping)):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return value


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(), max_size=5))
def test_a_frozen_map_cannot_be_changed(mapping):
    seen = view(mapping)
    with pytest.raises((AttributeError, TypeError)):
        seen["new"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        seen.update({})  # type: ignore[attr-defined]
    assert unwrap(seen) is mapping


def test_objects_that_are_not_data_are_refused():
    for value in (print, len, object, open, lambda: 1):
        with pytest.raises(TypeError, match="only be given data"):
            view(value)


# ------------------------------------------------------------------------------------------ limits
def test_a_runaway_loop_no_single_limit_catches_is_stopped_by_the_time_limit(wording, monkeypatch):
    monkeypatch.setattr(wording_module, "MAX_SECONDS", 1.0)
    started = time.process_time()
    with pytest.raises(TemplateError, match="processor time"):
        wording("{% set s = 'x' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}")
    assert time.process_time() - started < 5


def test_ordinary_wording_is_within_every_limit(wording):
    assert wording("{{ '%5.1f'|format(3.14159) }} {{ '{:>6}'.format('ab') }} {{ 'x'.center(5) }}"
                   "{% for i in range(3) %}{{ i }}{% endfor %} {{ 'ab'.replace('a', 'cc') }}") == \
        "3.1     ab   x  012 ccb"


# ------------------------------------------------------------------------------------------ institution masters
@pytest.mark.parametrize(("part", "size", "message"), [
    ("ppt/media/huge.png", 11 * 1024 * 1024, "a picture in a master is limited to"),
    ("docProps/padding.bin", 51 * 1024 * 1024, "a master is limited to"),
])
def test_a_master_with_a_huge_part_is_refused_when_the_template_loads(tmp_path, part, size, message):
    import zipfile

    from report_builder.theme.template import load_template

    folder = tmp_path / "mine"
    folder.mkdir()
    master = folder / "master.pptx"
    shutil.copy(Path(__file__).resolve().parent.parent / "templates" / "default" / "master.pptx", master)
    with zipfile.ZipFile(master, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(part, b"\0" * size)  # a few kilobytes packed: the limit is on what it unpacks to
    (folder / "template.yaml").write_text("extends: default\ndeck:\n  master: master.pptx\n")
    with pytest.raises(TemplateError) as caught:
        load_template(str(folder))
    assert message in str(caught.value) and "template.yaml:3" in str(caught.value)

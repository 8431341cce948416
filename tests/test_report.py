"""Tests for weaklab.report: a valid, self-contained HTML file that renders in a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from weaklab import LabelMatrix, MajorityVote, load_wrench
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.analysis.report import Report, build_report

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class FakeModel:
    """Obeys the label-model contract: predict, accuracies_, class_balance_, lf_names_, warnings_."""

    def __init__(self, L, y, seed=0):
        rng = np.random.default_rng(seed)
        self.lf_names_ = L.lf_names
        self.accuracies_ = rng.uniform(0.5, 0.95, L.n_lfs)
        self.class_balance_ = np.full(L.cardinality, 1 / L.cardinality)
        self.warnings_ = ["accuracy of LF 'lf_1' hit the upper clip bound"]
        self._pred = np.where(rng.random(L.n_rows) < 0.8, y, -1)

    def predict(self, L, tie_break="abstain"):
        return self._pred.copy()


def make_case(n=400, m=6, k=2, seed=0, names=None):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    dense = np.where(rng.random((n, m)) < 0.7, y[:, None], rng.integers(0, k, (n, m)))
    dense[rng.random((n, m)) < 0.6] = -1
    names = names or [f"lf_{j}" for j in range(m)]
    L = LabelMatrix.from_dense(dense, names, k)
    data = pd.DataFrame({"text": [f"comment {i} http://spam.example/{i}" for i in range(n)], "n": np.arange(n)})
    return L, y, data


class TagChecker(HTMLParser):
    """Collects tag-nesting errors and the values of src/href attributes."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.urls = [], [], []

    def handle_starttag(self, tag, attrs):
        self.urls += [v for a, v in attrs if a in ("src", "href") and v]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def check_html(text):
    parser = TagChecker()
    parser.feed(text)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def full_report(tmp_path_factory):
    L, y, data = make_case()
    path = tmp_path_factory.mktemp("report") / "out" / "r.html"
    return build_report(L, data=data, y=y, model=FakeModel(L, y), path=path, class_names=["ham", "spam"])


def test_writes_one_file_and_returns_its_path(full_report):
    assert isinstance(full_report, Report)
    assert full_report.path.name == "r.html" and full_report.path.parent.name == "out"
    assert full_report.path.read_text(encoding="utf-8") == full_report.html
    assert str(full_report) == str(full_report.path)


def test_html_is_well_formed(full_report):
    parser = check_html(full_report.html)
    assert parser.errors == []
    assert parser.stack == []
    assert full_report.html.startswith("<!DOCTYPE html>")


def test_html_loads_nothing_from_outside(full_report):
    urls = check_html(full_report.html).urls
    assert urls and all(u.startswith("data:image/png;base64,") for u in urls)
    assert not re.search(r"<link|@import|url\(", full_report.html)


def test_html_names_every_lf_and_shows_sections(full_report):
    for name in full_report.summary.index:
        assert f">{name}<" in full_report.html
    for heading in ("Warnings and findings", "Labeling functions", "Coverage and accuracy",
                    "How LFs interact", "Labels", "Examples from the weakest LFs"):
        assert f"<h2>{heading}</h2>" in full_report.html
    assert "hit the upper clip bound" in full_report.html
    assert "Label-model predictions against gold" in full_report.html
    assert full_report.html.count("<img") == 5  # bars, 2 heatmaps, balance, scatter


def test_notebook_view_is_the_fragment(full_report):
    frag = full_report._repr_html_()
    assert frag == full_report.fragment
    assert "<html" not in frag and "<style>" in frag and "wl-report" in frag
    assert check_html(frag).errors == []


def test_user_text_is_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    L, y, _ = make_case(names=["a&b", evil, "c", "d", "e", "f"])
    data = pd.DataFrame({"text": [evil] * L.n_rows})
    report = build_report(L, data=data, y=y, path=None)
    assert evil not in report.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report.html
    assert ">a&amp;b<" in report.html


def test_without_gold_or_model_skips_their_parts(tmp_path):
    L, _, _ = make_case()
    report = build_report(L, path=tmp_path / "r.html")
    assert "Learned vs" not in report.html and "against gold" not in report.html
    assert "emp_accuracy" not in report.html
    assert report.html.count("<img") == 4
    assert "rows where another LF votes differently" in report.html


def test_model_without_gold_shows_disagreements(tmp_path):
    L, y, _ = make_case()
    report = build_report(L, model=FakeModel(L, y), path=None)
    assert "rows where it does not" in report.html
    assert "model_agreement" in report.html


def test_path_none_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    L, _, _ = make_case()
    report = build_report(L, path=None)
    assert report.path is None
    assert list(tmp_path.iterdir()) == []


def test_examples_are_capped(tmp_path):
    L, y, data = make_case(n=2000)
    report = build_report(L, data=data, y=y, path=None, example_lfs=2, examples_per_lf=3)
    examples = report.html.split("Examples from the weakest LFs")[1]
    assert examples.count("<h3>") == 2
    assert examples.count("<tr>") == 2 * (3 + 1)  # header + 3 rows per LF


def test_many_lfs_are_limited_in_plots_but_all_in_table(tmp_path):
    L, y, _ = make_case(n=300, m=120, k=3)
    report = build_report(L, y=y, path=None, max_heatmap_lfs=30, max_bar_lfs=50)
    assert "The 30 LFs (of 120)" in report.html
    assert "The 50 LFs with the highest coverage, of 120" in report.html
    assert all(f">{n}<" in report.html for n in L.lf_names)


def test_finds_copied_lfs_and_silent_lfs(tmp_path):
    L, y, _ = make_case()
    dense = L.to_dense()
    dense = np.c_[dense, dense[:, 0], np.full(L.n_rows, -1)]
    L2 = LabelMatrix.from_dense(dense, [*L.lf_names, "copy_of_lf_0", "silent"], 2)
    report = build_report(L2, y=y, path=None)
    assert "lf_0 ≈ copy_of_lf_0 (1.00)" in report.html
    assert "never vote: silent" in report.html


def test_rejects_class_names_that_are_one_string_or_repeat(tmp_path):
    L = LabelMatrix.from_dense(np.array([[0, 1], [1, -1]]))
    with pytest.raises(TypeError, match="class_names must be a sequence of names, got the string 'ab'"):
        build_report(L, path=None, class_names="ab")
    with pytest.raises(ValueError, match=r"class_names repeats \['spam'\]"):
        build_report(L, path=None, class_names=["spam", "spam"])
    with pytest.raises(IsADirectoryError, match="is a folder"):
        build_report(L, path=tmp_path)


def test_rejects_wrong_number_of_class_names():
    L, _, _ = make_case()
    with pytest.raises(ValueError, match="class_names has 3 names"):
        build_report(L, path=None, class_names=["a", "b", "c"])


def test_rejects_data_of_wrong_length():
    L, _, _ = make_case()
    with pytest.raises(ValueError, match="data has 3 rows"):
        build_report(L, data=pd.DataFrame({"t": [1, 2, 3]}), path=None)


def test_rejects_non_positive_limits():
    L, _, _ = make_case()
    with pytest.raises(ValueError, match="max_heatmap_lfs"):
        build_report(L, path=None, max_heatmap_lfs=0)


def test_report_on_real_data(shared_data, tmp_path):
    split = load_wrench(shared_data / "dygen_wrench" / "sms", "train")
    report = build_report(split.L, data=split.data, y=split.y, path=tmp_path / "sms.html",
                          class_names=split.label_names)
    assert all(f">{n}<" in report.html for n in split.L.lf_names)
    assert check_html(report.html).errors == []


# ------------------------------------------------------------ in a browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install -y chromium)"
)


def screenshot(html_path, png_path, profile):
    """Render ``html_path`` in headless Chromium; return the browser's console lines."""
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--screenshot={png_path}", "--window-size=1280,2000",
        "--enable-logging=stderr", "--v=0", html_path.resolve().as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert png_path.is_file(), done.stderr[-2000:]
    return [line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def blank_fraction(png_path):
    from matplotlib.image import imread

    pixels = imread(png_path)[..., :3]
    return float(np.mean(np.all(pixels > 0.97, axis=-1))), float(pixels.std())


@needs_chromium
def test_console_check_catches_a_script_error(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><h1>x</h1><script>notDefined();</script></body></html>")
    console = screenshot(page, tmp_path / "broken.png", tmp_path / "profile")
    assert any("Uncaught ReferenceError" in line for line in console)


@needs_chromium
def test_report_renders_in_headless_chromium(full_report, tmp_path):
    png = tmp_path / "shot.png"
    console = screenshot(full_report.path, png, tmp_path / "profile")
    assert console == []
    white, spread = blank_fraction(png)
    assert white < 0.9 and spread > 0.05


def test_matrix_without_votes_still_gives_a_report():
    L = LabelMatrix.from_dense(np.full((50, 3), -1), ["a", "b", "c"], 2)
    report = build_report(L, y=np.zeros(50, int), path=None)
    assert "No LF votes against a gold label; nothing to show." in report.html
    assert "3 LF(s) never vote" in report.html
    assert check_html(report.html).errors == []


SORT_CHECK = """<script>
(function () {
  var table = document.querySelector("table.wl-sortable");
  var th = Array.prototype.filter.call(table.tHead.rows[0].cells, function (c) {
    return c.textContent === "coverage"; })[0];
  function values() {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
      return parseFloat(r.cells[th.cellIndex].getAttribute("data-v")); });
  }
  th.click();
  var up = values();
  th.click();
  var down = values();
  var ok = up.every(function (v, i) { return i === 0 || up[i - 1] <= v; })
        && down.every(function (v, i) { return i === 0 || down[i - 1] >= v; })
        && up.length === down.length && up.length > 1;
  document.title = ok ? "SORTED" : "NOT SORTED " + up.join(",");
})();
</script>"""


@needs_chromium
def test_summary_table_sorts_on_click_in_chromium(full_report, tmp_path):
    page = tmp_path / "sort.html"
    page.write_text(full_report.html.replace("</body>", SORT_CHECK + "</body>"), encoding="utf-8")
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.resolve().as_uri(),
    ]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    assert "<title>SORTED</title>" in dom


def test_names_with_dollar_signs_are_drawn_as_text(tmp_path):
    # matplotlib parses "$...$" as mathtext; "mentions_$5_or_$10" used to raise a ParseException.
    rng = np.random.default_rng(0)
    votes = rng.integers(-1, 2, size=(120, 3))
    names = ["mentions_$5_or_$10", "costs $$$", "plain"]
    L = LabelMatrix.from_dense(votes, names, 2)
    y = rng.integers(0, 2, size=120)
    report = build_report(L, y=y, path=tmp_path / "r.html", class_names=["$ham", "spam$"])
    html_text = report.path.read_text(encoding="utf-8")
    assert "mentions_$5_or_$10" in html_text and "costs $$$" in html_text
    assert html_text.count("data:image/png;base64,") >= 2


def test_the_overview_says_which_estimator_the_label_model_chose_and_how(tmp_path):
    from weaklab.models import LabelModel

    syn = make_synthetic_label_matrix(1000, 8, 2, seed=3)
    no_dev = LabelModel().fit(syn.L)
    html = build_report(syn.L, model=no_dev, path=None).html
    assert f"LabelModel: DawidSkene, chosen on held-out LFs, z = {no_dev.holdout_z_:.1f}" in html
    with_dev = LabelModel().fit(syn.L[200:], L_dev=syn.L[:200], Y_dev=syn.y[:200])
    html = build_report(syn.L[200:], model=with_dev, path=None).html
    assert f"LabelModel: {with_dev.selected_}, chosen on the dev set" in html
    assert ">MajorityVote<" in build_report(syn.L, model=MajorityVote().fit(syn.L), path=None).html

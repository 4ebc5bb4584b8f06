"""The web reader while its corpus changes (Hypothesis state machine): articles added and removed
with the CLI, and edited in place behind everyone's back, between requests to one running
server. After every step the server lists exactly the model's articles and counts each word
where the model's texts hold it, without a restart."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("starlette", reason="the web reader needs: pip install '.[serve]'")

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from typer.testing import CliRunner

from kscorpus.cli.app import app
from kscorpus.web.reader import Reader
from kscorpus.web.server import serve_in_thread

runner = CliRunner()
WORDS = ("磁力引擎", "快品牌", "信任电商")


def _json(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path, timeout=60) as r:
        return json.loads(r.read().decode("utf-8"))


class ServedCorpus(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="kscorpus-web-state-"))
        self.corpus, self.index = self.tmp / "corpus", self.tmp / "index"
        assert runner.invoke(app, ["init", str(self.corpus)]).exit_code == 0
        self.where = ["--corpus", str(self.corpus), "--index", str(self.index)]
        self.texts: dict[str, str] = {}  # the model: article id → its text
        self.added = 0
        self.served = serve_in_thread(Reader(self.corpus, self.index, check_every=0))
        self.base = self.served.url.rstrip("/")

    def teardown(self) -> None:
        self.served.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @staticmethod
    def text(word: str, n: int, k: int) -> str:
        return f"笔记{k}\n" + "".join(f"第{i}段讨论{word}。\n" for i in range(n))

    @rule(word=st.sampled_from(WORDS), n=st.integers(1, 3))
    def add(self, word: str, n: int) -> None:
        self.added += 1
        f = self.tmp / f"new{self.added}.txt"
        f.write_text(self.text(word, n, self.added), encoding="utf-8")
        r = runner.invoke(app, ["add", str(f), *self.where])
        assert r.exit_code == 0, r.output
        aid = re.search(r"as (\S+) \(", r.stderr)
        assert aid, r.stderr
        self.texts[aid[1]] = f.read_text(encoding="utf-8")

    @precondition(lambda self: self.texts)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        aid = data.draw(st.sampled_from(sorted(self.texts)))
        r = runner.invoke(app, ["remove", aid, *self.where])
        assert r.exit_code == 0, r.output
        del self.texts[aid]

    @precondition(lambda self: self.texts)
    @rule(data=st.data(), word=st.sampled_from(WORDS), n=st.integers(1, 3))
    def edit_in_place(self, data: st.DataObject, word: str, n: int) -> None:
        aid = data.draw(st.sampled_from(sorted(self.texts)))
        (path,) = self.corpus.glob(f"{aid}_*.txt")
        self.added += 1
        text = self.text(word, n, self.added)
        path.write_text(text, encoding="utf-8")
        self.texts[aid] = text

    @invariant()
    def served_as_the_model_says(self) -> None:
        listed = [a["id"] for a in _json(self.base, "/?format=json")]
        assert listed == sorted(self.texts)
        for word in WORDS:
            found = _json(self.base, f"/search?q={quote(word)}&format=json")
            assert found["total"] == sum(word in t for t in self.texts.values()), word
            lines = _json(self.base, f"/kwic?term={quote(word)}&format=json")
            assert lines["total"] == sum(t.count(word) for t in self.texts.values()), word


ServedCorpus.TestCase.settings = settings(
    max_examples=5,  # each step updates an index: tenths of a second, not milliseconds
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_served_corpus = ServedCorpus.TestCase


def test_a_corpus_emptied_by_remove_is_searched_without_error(tmp_path):
    """Found by the machine above: with every article removed, the terms linger in Whoosh's
    segments and BM25's idf took log(0)."""
    corpus = tmp_path / "c"
    where = ["--corpus", str(corpus), "--index", str(tmp_path / "ix")]
    assert runner.invoke(app, ["init", str(corpus)]).exit_code == 0
    f = tmp_path / "a.txt"
    f.write_text("磁力引擎\n磁力引擎是平台。\n", encoding="utf-8")
    assert runner.invoke(app, ["add", str(f), *where]).exit_code == 0
    assert runner.invoke(app, ["remove", "000", *where]).exit_code == 0
    r = runner.invoke(app, ["search", "磁力引擎", "--json", *where])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["total"] == 0

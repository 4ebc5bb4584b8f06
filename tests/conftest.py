"""Shared fixtures: the bundled corpus, one index built from it for the whole session, and one
updated after an edit."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from kscorpus.corpus.manifest import Corpus, load_corpus
from kscorpus.index.store import IndexHandle, build, open_index

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return load_corpus(CORPUS)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> Path:
    root = tmp_path_factory.mktemp("index")
    build(corpus, root)
    return root


@pytest.fixture(scope="session")
def handle(index_dir: Path) -> IndexHandle:
    return open_index(index_dir)


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus that a test may change."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def updated_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of two segments, one document deleted: an article edited after ingest."""
    root = tmp_path_factory.mktemp("updated")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    build(load_corpus(corpus), root / "ix")
    art = sorted(corpus.glob("*.txt"))[1]
    art.write_text(art.read_text(encoding="utf-8") + "\n快手主播谈信任电商。\n", "utf-8")
    build(load_corpus(corpus), root / "ix")
    return root / "ix"


def index_dump(ix: Any, fields: tuple[str, ...]) -> list[object]:
    """Everything a reader gets back from an index: each term's statistics, postings and block
    statistics, stored fields, and ``fields``' lengths; two writers agree when the dumps do."""
    out: list[object] = []
    with ix.reader() as r:
        for leaf, _ in r.leaf_readers():
            for field, term in leaf.all_terms():
                i = leaf.term_info(field, term)
                out.append((field, term, i.weight(), i.doc_frequency(), i.min_length()))
                out.append((i.max_length(), i.max_weight(), i.min_id(), i.max_id()))
                m = leaf.postings(field, term)
                raw = not leaf.has_deletions()  # else a filter without block statistics
                while m.is_active():
                    out.append((m.id(), m.weight(), m.value()))
                    if raw:
                        out.append((m.block_min_length(), m.block_max_length()))
                        out.append(m.block_max_weight())
                    m.next()
        out.append(list(r.all_stored_fields()))
        for field in fields:
            out.append([r.doc_field_length(d, field) for d in range(r.doc_count_all())])
            out.append(r.field_length(field))
    return out

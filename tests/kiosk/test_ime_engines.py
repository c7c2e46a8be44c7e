"""Both pinyin engines, real (librime and libpinyin through ctypes), on the seeded catalogue's
domain words: abbreviations, phrase selection in pieces, paging, backspace, fuzzy initials
only when configured, learning off, missing dictionaries."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from central.seeding import load_seed
from kiosk.central_api.models import Catalogue
from kiosk.ime import Composition, ImeUnavailable, PinyinInput
from kiosk.ime.domain import DomainWord, words_of

ENGINES = ["rime", "libpinyin"]
PACKAGE = {"rime": "librime1", "libpinyin": "libpinyin15"}


def seed_catalogue() -> Catalogue:
    seed = load_seed()
    body = {"version": seed.version, "items": [i.model_dump(mode="json") for i in seed.items],
            "regions": [r.model_dump(mode="json") for r in seed.regions]}
    return Catalogue.model_validate_json(json.dumps(body, ensure_ascii=False), strict=True)


@pytest.fixture(scope="module")
def words() -> list[DomainWord]:
    return words_of(seed_catalogue())


Make = Callable[..., PinyinInput]


@pytest.fixture(params=ENGINES)
def make(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         words: list[DomainWord]) -> Iterator[Make]:
    """make(fuzzy=(), domain=True) -> a fresh field on a fresh engine of the parameter's kind."""
    from tests.support.services import missing_service

    kind: str = request.param
    base = tmp_path_factory.getbasetemp() / f"ime-{kind}"
    engines: list = []
    inputs: list[PinyinInput] = []

    def _make(fuzzy: Sequence[str] = (), domain: bool = True, page_size: int = 5) -> PinyinInput:
        try:
            if kind == "rime":
                from kiosk.ime.rime import RimeEngine
                engine = RimeEngine(base, words if domain else [], fuzzy, page_size)
            else:
                from kiosk.ime.libpinyin import LibpinyinEngine
                engine = LibpinyinEngine(base, words if domain else [], fuzzy, page_size)
        except ImeUnavailable as exc:
            missing_service(str(exc), PACKAGE[kind])
        engines.append(engine)
        field = engine.session()
        inputs.append(field)
        return field

    _make.kind = kind  # type: ignore[attr-defined]
    yield _make
    for field in inputs:
        field.close()
    for engine in engines:
        engine.close()


def typed(field: PinyinInput, letters: str) -> Composition:
    state = Composition()
    for letter in letters:
        state = field.key(letter)
    return state


def test_abbreviation_sfz_gives_shenfenzheng_first(make: Make) -> None:
    state = typed(make(), "sfz")
    assert state.candidates[0] == "身份证"


def test_phrase_selection_in_pieces(make: Make) -> None:
    field = make()
    state = typed(field, "jinchengshichengqu")
    assert "晋城市" in state.candidates[:2], state
    state = field.select(state.candidates.index("晋城市"))
    assert state.committed == ""
    assert state.selected == "晋城市"
    assert state.preedit.replace(" ", "") == "chengqu"
    assert state.candidates[0] == "城区"
    state = field.select(0)
    assert state.committed == "晋城市城区"
    assert state.preedit == "" and state.candidates == ()


def test_paging(make: Make) -> None:
    field = make(page_size=5)
    first = typed(field, "shi")
    assert len(first.candidates) == 5 and first.page == 0 and first.has_more and not first.has_prev
    second = field.page_down()
    assert second.page == 1 and second.has_prev and len(second.candidates) == 5
    assert not set(first.candidates) & set(second.candidates)
    chosen = field.select(0)
    assert chosen.committed == second.candidates[0]
    typed(field, "shi")
    field.page_down()
    assert field.page_up() == first


def test_page_size_comes_from_settings(make: Make) -> None:
    assert len(typed(make(page_size=6), "shi").candidates) == 6


def test_backspace(make: Make) -> None:
    field = make()
    before = typed(field, "sfz")
    field.key("h")
    assert field.backspace() == before
    field.backspace()
    field.backspace()
    assert field.backspace().preedit == ""
    assert field.backspace() == Composition()          # empty: the field deletes a character


def test_backspace_undoes_a_picked_piece_first(make: Make) -> None:
    field = make()
    state = typed(field, "jinchengshichengqu")
    field.select(state.candidates.index("晋城市"))
    undone = field.backspace()
    assert undone.selected == "" and "晋城市" in undone.candidates


def test_commit_raw_gives_the_letters(make: Make) -> None:
    field = make()
    typed(field, "zhang")
    assert field.commit_raw().committed == "zhang"
    assert typed(field, "wang").candidates   # the field goes on composing afresh


def _pages(field: PinyinInput, letters: str, n: int = 3) -> list[str]:
    out = list(typed(field, letters).candidates)
    for _ in range(n - 1):
        out += field.page_down().candidates
    field.reset()
    return out


def test_fuzzy_initials_only_when_configured(make: Make) -> None:
    plain = _pages(make(), "zang")
    assert "张" not in plain
    fuzzy = _pages(make(fuzzy=["z-zh"]), "zang")
    assert "张" in fuzzy
    assert {"脏", "葬", "藏"} & set(fuzzy)   # the z readings stay


def test_n_l_fuzzy(make: Make) -> None:
    assert "女" not in _pages(make(), "lv")
    assert "女" in _pages(make(fuzzy=["n-l"]), "lv")


def test_learning_is_off(make: Make) -> None:
    field = make()
    first = typed(field, "shi")
    low = first.candidates[4]
    field.reset()
    for _ in range(5):
        typed(field, "shi")
        assert field.select(4).committed == low
    assert typed(field, "shi") == first
    field.reset()
    reopened = make()                       # a new engine on the same files: a restart
    assert typed(reopened, "shi") == first


def test_domain_words_rank_in_the_first_page(make: Make, words: list[DomainWord]) -> None:
    seed_items = [i.name for i in seed_catalogue().items if i.name.isalpha() and len(i.name) <= 6]
    assert len(seed_items) >= 5
    field = make()
    for name in seed_items:
        word = next(w for w in words if w.text == name)
        state = typed(field, "".join(word.pinyin))
        field.reset()
        assert name in state.candidates, (name, state.candidates)


TOWNS = ["巴公镇", "晋庙铺镇", "北义城镇", "柳树口镇", "钟家庄街道", "马圪当乡", "北城街街道", "云台山镇"]


def test_town_names_rank_in_the_first_page_by_their_full_pinyin(make: Make, words: list[DomainWord]) -> None:
    """Issue 11: the 乡镇 of the seeded counties (central's regions) are domain words: typed in
    full (bagongzhen) each is on the first page, most of them not without the dictionary."""
    by_text = {w.text: w for w in words}
    assert set(TOWNS) <= set(by_text), set(TOWNS) - set(by_text)

    def on_first_page(field: PinyinInput) -> list[str]:
        found = []
        for town in TOWNS:
            if town in typed(field, "".join(by_text[town].pinyin)).candidates[:5]:
                found.append(town)
            field.reset()
        return found

    assert on_first_page(make()) == TOWNS
    assert len(on_first_page(make(domain=False))) < len(TOWNS) // 2


def test_the_domain_dictionary_is_what_ranks_the_catalogue_words(make: Make, words: list[DomainWord]) -> None:
    def firsts(field: PinyinInput) -> int:
        hits = 0
        for word in words[:40]:
            hits += typed(field, "".join(word.pinyin)).candidates[:1] == (word.text,)
            field.reset()
        return hits

    with_domain, without = firsts(make()), firsts(make(domain=False))
    assert with_domain >= 36 and with_domain > without, (with_domain, without)


def test_missing_dictionaries_name_the_package(make: Make, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    if make.kind == "rime":  # type: ignore[attr-defined]
        from kiosk.ime.rime import RimeEngine
        with pytest.raises(ImeUnavailable, match="rime-data-luna-pinyin"):
            RimeEngine(tmp_path, [], shared=empty)
    else:
        from kiosk.ime.libpinyin import LibpinyinEngine
        with pytest.raises(ImeUnavailable, match="libpinyin-data"):
            LibpinyinEngine(tmp_path, [], data=empty)

"""The benchmark's synthetic databases and batch files are real rollout data: valid codes, zones and
currencies, the promised sizes, and batch lines the CLI applies in one write."""

from __future__ import annotations

from benchmarks import synth
from rollout import model
from rollout.db import Database
from rollout.storage import read_state_file


def test_a_200_region_database_uses_real_subdivisions_with_full_checklists_and_calendars():
    state = synth.build_state(200)
    assert len(state.regions) == 200
    for code, region in state.regions.items():
        assert "-" in code  # ISO 3166-2 subdivisions at this size
        assert model.region_code(code) == code
        assert model.timezone(region["timezone"]) == region["timezone"]
        assert model.currency(region["currency"]) == region["currency"]
        assert len(state.items_of(code)) == synth.ITEMS_PER_REGION
        assert len(state.promotions_of(code)) == synth.PROMOS_PER_REGION
    assert len({r["currency"] for r in state.regions.values()}) > 10


def test_the_small_database_uses_country_codes_and_the_seed_fixes_everything():
    first, second = synth.build_state(17), synth.build_state(17)
    assert first.data() == second.data()
    assert all(len(code) == 2 and model.region_code(code) == code for code in first.regions)
    assert synth.build_state(17, seed=1).data() != first.data()


def test_batch_lines_apply_in_one_write(tmp_path, rollout):
    db = synth.write_database(tmp_path / "small.json", 17)
    found = read_state_file(db)
    assert found is not None and found.document["_meta"]["1"]["revision"] == 1
    state = Database(db).load()
    batch = synth.write_batch(tmp_path / "batch.txt", state, 400)
    result = rollout("batch", str(batch), db=db)
    assert result.exit_code == 0, result.stderr
    after = Database(db).load()
    assert after.revision == 2 and len(after.history) == 1
    assert len(after.items) == len(state.items) + 100 and len(after.promotions) == len(state.promotions) + 100

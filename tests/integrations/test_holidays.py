"""Public holidays: lookups, warnings for launches and promotions, `rollout holidays`, the lookup cache."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from integration_helpers import as_json, console_script, run_script

from rollout import holidays

NOW = {"ROLLOUT_NOW": "2026-11-24T09:00:00+00:00"}


def test_holiday_name_of_countries_and_subdivisions():
    assert holidays.holiday_name("DE", date(2026, 12, 25)) == "Christmas Day"
    assert holidays.holiday_name("DE", date(2026, 12, 23)) is None
    assert holidays.holiday_name("JP", date(2027, 1, 1)) == "New Year's Day"  # English where the library has it
    assert holidays.holiday_name("US-CA", date(2026, 3, 31)) == "Cesar Chavez Day"  # a California holiday
    assert holidays.holiday_name("US", date(2026, 3, 31)) is None
    assert holidays.holiday_name("GB-LND", date(2026, 12, 25)) == "Christmas Day"  # unknown subdivision: the country's


def test_a_region_the_library_does_not_know_has_no_holidays_and_no_error():
    assert holidays.year_calendar("XX", 2027) == {}
    assert holidays.holiday_name("XX", date(2027, 1, 1)) is None
    with pytest.raises(holidays.NoHolidayData):
        holidays.compute_calendar("XX", 2027)


def test_holidays_between_spans_years_in_order():
    days = holidays.holidays_between("DE", date(2026, 12, 24), date(2027, 1, 1))
    assert [d.isoformat() for d, _ in days] == ["2026-12-25", "2026-12-26", "2027-01-01"]


def test_a_promotion_on_a_holiday_warns_on_stderr_and_in_json(rollout):
    result = rollout("promo", "add", "DE", "Xmas Deals", "--start", "2026-12-24", "--end", "2026-12-27", "--json")
    assert result.exit_code == 0
    message = "runs on a public holiday: 2026-12-25 Christmas Day, 2026-12-26 Second Day of Christmas"
    promo = json.loads(result.stdout)["changed"]["promotions"][0]
    assert message in promo["warnings"]
    assert f"Warning: {promo['id']} 'Xmas Deals' in DE {message}" in result.stderr
    listed = as_json(rollout("promo", "list", "--region", "DE", "--json"))
    assert message in next(p for p in listed if p["id"] == promo["id"])["warnings"]


def test_a_promotion_clear_of_holidays_gets_no_holiday_warning(rollout):
    added = as_json(rollout("promo", "add", "DE", "Quiet", "--start", "2027-03-02", "--end", "2027-03-04", "--json"))
    promo = added["changed"]["promotions"][0]
    assert not [w for w in promo["warnings"] if "holiday" in w]


def test_a_promotion_that_ended_gets_no_holiday_warning(rollout):
    past = as_json(rollout("promo", "add", "DE", "Xmas 2025", "--start", "2025-12-24", "--end", "2025-12-27", "--json"))
    assert not [w for w in past["changed"]["promotions"][0]["warnings"] if "holiday" in w]
    shown = as_json(rollout("region", "show", "GB", "--json"))
    boxing_day = next(p for p in shown["promotions"] if p["name"] == "Boxing Day")
    assert any("2026-12-26 Boxing Day" in w for w in boxing_day["warnings"])


def test_a_launch_on_a_holiday_warns_when_set_and_in_status(rollout):
    result = rollout("region", "set", "NL", "--launch", "2027-04-27")
    assert result.exit_code == 0
    message = "launch on 2027-04-27 falls on a public holiday in NL: King's Day"
    assert f"Warning: {message}" in result.stderr
    rows = as_json(rollout("status", "--json"))
    assert message in next(r for r in rows if r["code"] == "NL")["warnings"]
    assert "King's Day" in rollout("region", "show", "NL").stdout


def test_shift_onto_a_holiday_warns(rollout):
    rollout("region", "set", "NL", "--launch", "2027-04-20")
    result = rollout("shift", "NL", "--by", "1w")
    assert "Warning: launch on 2027-04-27 falls on a public holiday in NL: King's Day" in result.stderr


def test_launched_regions_get_no_launch_holiday_warning(rollout):
    rollout("region", "set", "JP", "--launch", "2027-01-01")  # JP has launched: its target no longer matters
    rows = as_json(rollout("status", "--json"))
    assert not any("holiday" in w for r in rows if r["code"] == "JP" for w in r["warnings"])


def test_holidays_command_lists_a_year_and_marks_the_rollout_on_them(rollout):
    rollout("promo", "add", "DE", "Xmas Deals", "--start", "2026-12-24", "--end", "2026-12-27")
    result = rollout("holidays", "de", "--year", "2026")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["DATE", "DAY", "HOLIDAY", "IN", "THE", "ROLLOUT"]
    christmas = next(line for line in lines if line.startswith("2026-12-25"))
    assert "Fri" in christmas and "Christmas Day" in christmas and "Xmas Deals" in christmas
    (data,) = as_json(rollout("holidays", "DE", "--year", "2026", "--json"))
    assert data["region"] == "DE" and data["year"] == 2026
    assert {"date": "2026-10-03", "weekday": "Saturday", "name": "German Unity Day", "clashes": []} in data["holidays"]


def test_holidays_command_defaults_to_this_year_and_marks_launches(rollout):
    rollout("region", "set", "NL", "--launch", "2026-12-25")
    (data,) = as_json(rollout("holidays", "NL", "--json"))
    assert data["year"] == 2026
    assert next(h for h in data["holidays"] if h["date"] == "2026-12-25")["clashes"] == ["launch"]


@pytest.mark.parametrize(
    ("code", "message"),
    [("ZZ", "unknown region code 'ZZ'"), ("D1", "invalid region code 'D1'")],
)
def test_holidays_command_errors(rollout, code, message):
    result = rollout("holidays", code)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {message}")


IMPORTS_PROBE = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("\\nLOADED " + ",".join(sorted(
    m for m in ("holidays", "icalendar", "textual") if m in sys.modules)) + "\\n"))
sys.argv = ["rollout", *sys.argv[1:]]
from rollout.cli import main
main()
"""


def loaded_modules(stderr: str) -> list[str]:
    line = next(line for line in stderr.splitlines() if line.startswith("LOADED "))
    return [m for m in line.removeprefix("LOADED ").split(",") if m]


def probe(db: Path, cache: Path, *args: str):
    import subprocess
    import sys

    env = {**os.environ, **NOW, "XDG_CACHE_HOME": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", IMPORTS_PROBE, "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_status_json_warns_about_holidays_without_importing_the_library_once_cached(rollout, db_path, tmp_path):
    rollout("region", "set", "NL", "--launch", "2027-04-27")
    cache = tmp_path / "probe-cache"
    cold = probe(db_path, cache, "status", "--json")
    warm = probe(db_path, cache, "status", "--json")
    assert cold.returncode == warm.returncode == 0
    assert cold.stdout == warm.stdout and "King's Day" in warm.stdout
    assert loaded_modules(warm.stderr) == []
    assert (cache / "rollout" / "holidays.json").exists()


def test_a_corrupt_or_stale_cache_is_recomputed(rollout, db_path, tmp_path):
    rollout("region", "set", "NL", "--launch", "2027-04-27")
    cache = tmp_path / "bad-cache"
    (cache / "rollout").mkdir(parents=True)
    (cache / "rollout" / "holidays.json").write_text("{not json")
    first = probe(db_path, cache, "status", "--json")
    assert first.returncode == 0 and "King's Day" in first.stdout
    stored = json.loads((cache / "rollout" / "holidays.json").read_text())
    stored["fingerprint"] = "an older library"
    stored["calendars"]["NL:2027"] = {"2027-04-27": "Made-up Day"}
    (cache / "rollout" / "holidays.json").write_text(json.dumps(stored))
    second = probe(db_path, cache, "status", "--json")
    assert "King's Day" in second.stdout and "Made-up Day" not in second.stdout


def test_an_unwritable_cache_location_still_gives_warnings(rollout, db_path, tmp_path):
    rollout("region", "set", "NL", "--launch", "2027-04-27")
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the cache directory would go")
    result = probe(db_path, blocked, "status", "--json")
    assert result.returncode == 0
    assert "King's Day" in result.stdout
    assert "Traceback" not in result.stderr


def test_read_commands_without_holiday_checks_do_not_import_the_libraries(db_path, tmp_path):
    for args in (["region", "list", "--json"], ["check", "list", "NL", "--json"], ["history", "--json"]):
        result = probe(db_path, tmp_path / "c", *args)
        assert result.returncode == 0, result.stderr
        assert loaded_modules(result.stderr) == [], args


def test_holidays_of_a_subdivision_from_the_console_script(db_path, tmp_path):
    result = run_script("--db", str(db_path), "holidays", "US-CA", "--year", "2026", env={**NOW})
    assert result.returncode == 0, result.stderr
    assert "Cesar Chavez Day" in result.stdout


def run_on_terminal(args: list[str], env: dict[str, str]) -> str:
    """stdout on a pseudo-terminal, where colour is allowed unless NO_COLOR says otherwise."""
    import pty
    import subprocess

    leader, follower = pty.openpty()
    process = subprocess.Popen([console_script(), *args], stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    process.wait(timeout=60)
    return b"".join(chunks).decode(errors="replace")


def test_no_color_is_honoured_on_a_terminal(rollout, db_path):
    rollout("region", "set", "NL", "--launch", "2026-12-25")
    args = ["--db", str(db_path), "holidays", "NL", "--year", "2026"]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | NOW
    assert "\x1b[" in run_on_terminal(args, env)
    plain = run_on_terminal(args, env | {"NO_COLOR": "1"})
    assert "\x1b[" not in plain and "launch" in plain


def test_the_holiday_caches_change_under_one_lock_across_threads(monkeypatch):
    """The TUI's reload worker looks holidays up while the UI thread may clear or flush the caches."""
    import threading

    from rollout import holidays

    holidays.clear_memory()
    inside, release = threading.Event(), threading.Event()
    real = holidays.compute_calendar

    def slow(code, year):
        inside.set()
        release.wait(10)
        return real(code, year)

    monkeypatch.setattr(holidays, "compute_calendar", slow)
    worker = threading.Thread(target=holidays.year_calendar, args=("NL", 2031))
    worker.start()
    assert inside.wait(10)
    cleared = threading.Event()
    other = threading.Thread(target=lambda: (holidays.clear_memory(), cleared.set()))
    other.start()
    assert not cleared.wait(0.3)  # the clear waits for the lookup that is changing the caches
    release.set()
    worker.join(10)
    other.join(10)
    assert cleared.is_set()
    assert holidays._memory() == {}  # the clear came after the lookup, so nothing is left


@pytest.mark.parametrize("lazy_from", [0, 10**12])  # every cache read lazily (msgspec), or whole (orjson)
def test_the_cache_reads_the_same_lazily_or_whole(monkeypatch, tmp_path, lazy_from):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(holidays, "LAZY_FROM_BYTES", lazy_from)
    holidays.clear_memory()
    asked = [("DE", 2026), ("XX", 2027), ("US-CA", 2026)]
    computed = {key: holidays.year_calendar(*key) for key in asked}
    holidays.year_calendar("NL", 2027)
    holidays.flush_cache()
    path = holidays.cache_path()
    stored = json.loads(path.read_text())
    stored["calendars"]["NL:2027"] = {"2027-04-27": "Made-up Day"}  # what the cache says is what is read
    stored["calendars"]["ZZ:2027"] = ["not", "a", "calendar"]  # a damaged entry: recomputed, no error
    path.write_text(json.dumps(stored))
    holidays.clear_memory()
    assert {key: holidays.year_calendar(*key) for key in asked} == computed
    assert holidays.year_calendar("NL", 2027) == {date(2027, 4, 27): "Made-up Day"}
    assert holidays.year_calendar("ZZ", 2027) == {}
    holidays.year_calendar("FR", 2026)  # a new calendar: written with the ones read lazily
    holidays.flush_cache()
    rewritten = json.loads(path.read_text())["calendars"]
    assert set(rewritten) == {"DE:2026", "NL:2027", "XX:2027", "US-CA:2026", "FR:2026", "ZZ:2027"}
    assert rewritten["NL:2027"] == {"2027-04-27": "Made-up Day"}
    assert rewritten["DE:2026"] == {d.isoformat(): name for d, name in computed[("DE", 2026)].items()}
    holidays.clear_memory()


@pytest.mark.parametrize("lazy_from", [0, 10**12])
def test_a_country_weekend_is_kept_in_the_cache_file(monkeypatch, tmp_path, lazy_from):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(holidays, "LAZY_FROM_BYTES", lazy_from)
    holidays.clear_memory()
    assert holidays.weekend("SA-01") == frozenset((4, 5))  # Friday and Saturday, from the library
    assert holidays.weekend("NL") == frozenset((5, 6))
    holidays.flush_cache()
    path = holidays.cache_path()
    stored = json.loads(path.read_text())
    assert stored["calendars"]["SA:weekend"] == [4, 5]
    stored["calendars"]["SA:weekend"] = [6]  # what the cache says is what is read
    stored["calendars"]["NL:weekend"] = [9, "x"]  # a damaged entry: asked again, no error
    path.write_text(json.dumps(stored))
    holidays.clear_memory()
    assert holidays.weekend("SA") == frozenset((6,))
    assert holidays.weekend("NL") == frozenset((5, 6))
    holidays.clear_memory()

"""A catalogue of bad inputs across every command, the batch file and the database file itself.

Each case runs the real CLI and must give exit 1 (2 for usage), exactly one stderr line starting
with `Error:` that names the problem, nothing on stdout, no traceback, and a database file
that is byte-identical afterwards (or still absent).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from needs import as_user, console_script, unprivileged_user
from reliability_tools import Outcome, run_cli, run_script

from rollout.db import Database
from rollout.state import empty_document


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    code: int
    message: str
    db: str = "seeded"
    env: dict[str, str] = field(default_factory=dict)
    batch: str | bytes | None = None
    batch_name: str = "lines.txt"
    stdin: str | None = None


def case(id: str, args: str | tuple[str, ...], code: int, message: str, **extra) -> Case:
    return Case(id, tuple(args.split()) if isinstance(args, str) else args, code, message, **extra)


DE_ADD = ("region", "add", "AT", "--name", "Austria", "--tz", "Europe/Vienna", "--currency", "EUR")

CASES = [
    # -- regions ------------------------------------------------------------------------------------
    case("region-code-malformed", ("region", "add", "A1", *DE_ADD[3:]), 1, "invalid region code 'A1'"),
    case("region-code-unknown", ("region", "add", "QQ", *DE_ADD[3:]), 1, "unknown region code 'QQ'"),
    case("region-code-subdivision-unknown", ("region", "add", "US-ZZ", *DE_ADD[3:]), 1, "ISO 3166-2 subdivision"),
    case("region-exists", ("region", "add", "DE", *DE_ADD[3:]), 1, "region DE already exists"),
    case("region-timezone", (*DE_ADD[:6], "Europe/Vienn", *DE_ADD[7:]), 1, "unknown timezone 'Europe/Vienn'"),
    case("region-timezone-offset", (*DE_ADD[:6], "+02:00", *DE_ADD[7:]), 1, "unknown timezone '+02:00'"),
    case("region-currency-word", (*DE_ADD[:8], "EURO"), 1, "unknown currency 'EURO'"),
    case("region-currency-unknown", (*DE_ADD[:8], "XYZ"), 1, "unknown currency 'XYZ'"),
    case("region-status", (*DE_ADD, "--status", "live"), 1, "Invalid value for '--status': 'live' is not one of"),
    case("region-wave-negative", (*DE_ADD, "--wave", "-1"), 1, "Invalid value for '--wave': -1 is not in the range"),
    case("region-wave-word", (*DE_ADD, "--wave", "two"), 1, "Invalid value for '--wave': 'two'"),
    case("region-launch-month-13", (*DE_ADD, "--launch", "2027-13-01"), 1, "invalid date '2027-13-01'"),
    case("region-launch-feb-30", (*DE_ADD, "--launch", "2027-02-30"), 1, "invalid date '2027-02-30'"),
    case("region-launch-year-1", (*DE_ADD, "--launch", "0001-01-01"), 1, "invalid date '0001-01-01': years 1970-2999"),
    case("region-set-launch-far", "region set AU --launch 9999-12-31T23:59", 1, "years 1970-2999 only"),
    case("region-launch-words", (*DE_ADD, "--launch", "next tuesday"), 1, "invalid date 'next tuesday'"),
    case("region-launch-dst-gap", (*DE_ADD, "--launch", "2027-03-28T02:30"), 1, "does not exist in Europe/Vienna"),
    case("region-launch-bad-offset", (*DE_ADD, "--launch", "2027-03-01T10:00+25:00"), 1, "invalid date"),
    case("region-name-empty", ("region", "add", "AT", "--name", " ", *DE_ADD[5:]), 1, "name cannot be empty"),
    case("region-name-missing", ("region", "add", "AT", *DE_ADD[5:]), 2, "Missing option '--name'"),
    case("region-set-nothing", "region set DE", 2, "nothing to change: give at least one of --name, --tz"),
    case("check-edit-nothing", "check edit c369", 2, "nothing to change: give at least one of --title"),
    case("promo-edit-nothing", "promo edit p40", 2, "nothing to change: give at least one of --name"),
    case("region-set-unknown", "region set AQ --wave 1", 1, "no region AQ"),
    case("region-set-no-wave-match", "region set wave=99 --owner x", 1, "no region matches 'wave=99'"),
    case("region-set-bad-selector", "region set colour=red --owner x", 1, "invalid selector 'colour=red'"),
    case("region-set-status-selector", "region set status=live --owner x", 1, "status must be one of"),
    case("region-launch-critical-open", "region set AU --status launched", 1, "cannot launch AU: 4 critical item(s)"),
    case("region-set-timezone", "region set AU --tz Australia/Sydny", 1, "unknown timezone 'Australia/Sydny'"),
    case("region-remove-unconfirmed", "region remove AU", 2, "removing a region needs --yes"),
    case("region-remove-unknown", "region remove AQ --yes", 1, "no region AQ"),
    case("region-show-unknown", "region show AQ", 1, "no region AQ"),
    case("region-list-status", "region list --status live", 1, "Invalid value for '--status'"),
    case("region-list-wave", "region list --wave -1", 1, "Invalid value for '--wave'"),
    case("region-list-explicit-unknown", "region list AQ", 1, "no region AQ"),
    # -- shift --------------------------------------------------------------------------------------
    case("shift-duration-number", "shift AU --by 3", 1, "invalid duration '3'"),
    case("shift-duration-words", "shift AU --by 3days", 1, "invalid duration '3days'"),
    case("shift-duration-huge", "shift AU --by 999999d", 1, "invalid duration '999999d'"),
    case("shift-out-of-range", "shift AU --by 99999y", 1, "by 99999 years leaves the years 1970-2999"),
    case("shift-back-before-1970", "shift AU --by -3000y", 1, "leaves the years 1970-2999"),
    case("shift-launched", "shift ID --by 1w", 1, "cannot shift ID: it has already launched"),
    case("shift-missing-by", "shift AU", 2, "Missing option '--by'"),
    # -- checklist ----------------------------------------------------------------------------------
    case("check-title-empty", ("check", "add", "DE", ""), 1, "title cannot be empty"),
    case("check-category", "check add DE x --category fun", 1, "Invalid value for '--category': 'fun' is not one of"),
    case("check-due-slashes", "check add DE x --due 2027/01/01", 1, "invalid date '2027/01/01'"),
    case("check-add-unknown-region", "check add AQ x", 1, "no region AQ"),
    case("check-done-unknown-item", "check done DE c99999", 1, "no checklist item c99999 in DE"),
    case("check-done-promo-id", "check done DE p9", 1, "no checklist item p9 in DE"),
    case("check-done-other-region", "check done GB c200", 1, "no checklist item c200 in GB (it is in"),
    case("promo-move-other-region", "promo move FR p40 --by 1d", 1, "no promotion p40 in FR (it is in DE)"),
    case("check-reopen-unknown", "check reopen AU c0", 1, "no checklist item c0 in AU"),
    case("check-edit-due", "check edit AU c369 --due soon", 1, "invalid date 'soon'"),
    case("check-edit-title-blank", ("check", "edit", "AU", "c369", "--title", "  "), 1, "title cannot be empty"),
    case("check-remove-unknown", "check remove AU c369 c99999", 1, "no checklist item c99999 in AU"),
    case("check-list-unknown", "check list AQ", 1, "no region AQ"),
    case("check-done-missing-item", "check done DE", 2, "Missing argument 'ITEM...' after the region code DE"),
    case("check-edit-two-items", "check edit c369 c370 --title x", 2, "give one ITEM, not 2"),
    # -- promotions ---------------------------------------------------------------------------------
    case(
        "promo-start-after-end",
        "promo add DE Sale --start 2027-05-10 --end 2027-05-01",
        1,
        "start 2027-05-10T00:00:00+02:00 must be before end 2027-05-01T00:00:00+02:00",
    ),
    case(
        "promo-start-equals-end",
        "promo add DE Sale --start 2027-05-10 --end 2027-05-10",
        1,
        "must be before end",
    ),
    case("promo-start-bad", "promo add DE Sale --start 10.05.2027 --end 2027-05-12", 1, "invalid date '10.05.2027'"),
    case("promo-name-empty", ("promo", "add", "DE", "", "--start", "2027-05-10", "--end", "2027-05-12"), 1, "name"),
    case("promo-end-missing", "promo add DE Sale --start 2027-05-10", 2, "Missing option '--end'"),
    case("promo-move-unknown", "promo move p99999 --by 1d", 1, "no promotion p99999"),
    case("promo-move-duration", ("promo", "move", "p9", "--by", "1 fortnight"), 1, "invalid duration '1 fortnight'"),
    case("promo-move-huge", "promo move p9 --by 99999y", 1, "leaves the years 1970-2999"),
    case("promo-edit-start-after-end", "promo edit p40 --start 2027-01-01", 1, "must be before end"),
    case("promo-edit-unknown", "promo edit p99999 --name x", 1, "no promotion p99999"),
    case("promo-remove-unknown", "promo remove q1", 1, "no promotion q1"),
    case("promo-list-region", "promo list --region AQ", 1, "no region AQ"),
    case("promo-list-from", ("promo", "list", "--from", "last week"), 1, "invalid date 'last week'"),
    # -- history, undo, restore, doctor ---------------------------------------------------------------
    case("undo-nothing", "undo", 1, "nothing to undo", db="empty-db"),
    case("undo-entry-unknown", "undo --entry 4242", 1, "no history entry #4242"),
    case("undo-entry-zero", "undo --entry 0", 1, "Invalid value for '--entry'"),
    case("redo-nothing", "redo", 1, "nothing to redo"),
    case("redo-entry-word", "redo --entry last", 1, "Invalid value for '--entry'"),
    case("history-unknown-region", "history AQ", 1, "no region AQ"),
    case("history-limit-zero", "history --limit 0", 1, "Invalid value for '--limit'"),
    case("restore-no-backups", "restore 1", 1, "no backups of"),
    case("restore-zero", "restore 0", 1, "Invalid value for '[N]'"),
    case("restore-word", "restore latest", 1, "Invalid value for '[N]'"),
    case("restore-list-and-number", "restore 1 --list", 2, "give either N or --list"),
    case("init-over-existing", "init --empty", 1, "already exists (use --force to replace it)"),
    case("tui-without-a-terminal", "tui", 1, "the TUI needs a terminal", db="truncated"),
    case("doctor-extra-argument", "doctor extra", 2, "Got unexpected extra argument (extra)"),
    case("unknown-command", "frobnicate", 2, "No such command 'frobnicate'"),
    case("unknown-option", "status --colour", 2, "No such option '--colour'"),
    # -- the cockpit: health, agenda, owners, timeline, digest, shared settings ----------------------
    case("health-unknown-region", "health AQ", 1, "no region AQ"),
    case("health-bad-selector", "health colour=red", 1, "invalid selector 'colour=red'"),
    case("agenda-days-negative", "agenda --days -1", 1, "Invalid value for '--days': -1 is not in the range"),
    case("agenda-owner-and-mine", "agenda --owner ops --mine", 2, "give --owner NAME or --mine, not both"),
    case("agenda-region-unknown", "agenda --region AQ", 1, "no region AQ"),
    case("owners-unknown-region", "owners AQ", 1, "no region AQ"),
    case("timeline-from-words", "timeline --from nonsense", 1, "invalid date 'nonsense'"),
    case("timeline-too-narrow", "timeline --width 5", 1, "Invalid value for '--width': 5 is not in the range"),
    case("timeline-ends-first", "timeline --from 2027-03-01 --to 2027-02-01", 1, "ends (2027-02-01) before it starts"),
    case("digest-since-number", "digest --since 3", 1, "invalid --since '3': expected a duration back from now"),
    case("digest-since-future", "digest --since 2999-01-01T00:00Z", 1, "it is after now"),
    case("digest-format", "digest --format xml", 1, "Invalid value for '--format': 'xml' is not one of"),
    case("config-get-unknown", "config get health.colour", 1, "no setting 'health.colour'"),
    case("config-set-range", "config set health.at_risk_days 999", 1, "must be from 0 to 365 days, not 999"),
    case("config-set-word", "config set health.slack_days week", 1, "expected a whole number of days"),
    case("config-reset-unknown", "config reset nope", 1, "no setting 'nope'"),
    # -- batch files --------------------------------------------------------------------------------
    case(
        "batch-unknown-command",
        "batch {batch}",
        1,
        "line 2: 'frobnicate' cannot be used in a batch",
        batch="check add DE ok\nfrobnicate DE\n",
    ),
    case("batch-read-command", "batch {batch}", 1, "line 1: 'status' cannot be used in a batch", batch="status\n"),
    case(
        "batch-unterminated-quote",
        "batch {batch}",
        1,
        "line 2: No closing quotation (unterminated quote?)",
        batch='check add DE "fine"\ncheck add DE "never closed\n',
    ),
    case(
        "batch-bad-date-line-3",
        "batch {batch}",
        1,
        "line 3: invalid date '2027-02-30'",
        batch="check add DE a\ncheck add DE b\ncheck add DE c --due 2027-02-30\n",
    ),
    case(
        "batch-start-after-end",
        "batch {batch}",
        1,
        "line 1: start 2027-06-02T00:00:00+02:00 must be before end",
        batch="promo add DE x --start 2027-06-02 --end 2027-06-01\n",
    ),
    case(
        "batch-unknown-item",
        "batch {batch}",
        1,
        "line 1: no checklist item c99999 in DE",
        batch="check done DE c99999\n",
    ),
    case(
        "batch-usage-error",
        "batch {batch}",
        1,
        "line 1: Missing option '--name'",
        batch="region add AT --tz Europe/Vienna\n",
    ),
    case(
        "batch-global-option",
        "batch {batch}",
        1,
        "global options like --db are not allowed",
        batch="--db other.json check add DE x\n",
    ),
    case("batch-nested", "batch {batch}", 1, "'batch' cannot be used in a batch", batch="batch other.txt\n"),
    case("batch-undo", "batch {batch}", 1, "'undo' cannot be used in a batch", batch="undo\n"),
    case("batch-sub-not-allowed", "batch {batch}", 1, "'region list' is not a batch command", batch="region list\n"),
    case("batch-help", "batch {batch}", 1, "--help is not a batch command", batch="check add --help\n"),
    case("batch-binary", "batch {batch}", 1, "is not a text file", batch=b"\x00\x01\x02check"),
    case("batch-latin1", "batch {batch}", 1, "is not UTF-8 text", batch="check add DE caf\xe9\n".encode("latin-1")),
    case("batch-missing-file", "batch {tmp}/nope.txt", 1, "batch file {tmp}/nope.txt does not exist"),
    case("batch-directory", "batch {tmp}", 1, "batch file {tmp} is a directory"),
    case(
        "batch-stdin-bad-line",
        "batch -",
        1,
        "stdin line 1: unknown currency 'EURO'",
        stdin="region set DE --currency EURO\n",
    ),
    # -- import, export, holidays, serve, completion ------------------------------------------------
    case("export-format", "export --format xml", 1, "Invalid value for '--format'"),
    case("import-missing-file", "import {tmp}/nope.csv", 1, "nope.csv does not exist"),
    case(
        "import-csv-unknown-header",
        "import {batch}",
        1,
        "line 1: cannot tell what this CSV holds",
        batch="a,b\n1,2\n",
        batch_name="data.csv",
    ),
    case(
        "import-csv-bad-date",
        "import {batch}",
        1,
        "line 2: launch: invalid date '2027-02-30'",
        batch="code,name,timezone,currency,status,wave,owner,launch,launched_at\n"
        "AT,Austria,Europe/Vienna,EUR,planned,1,,2027-02-30,\n",
        batch_name="regions.csv",
    ),
    case(
        "import-json-not-export",
        "import {batch}",
        1,
        "not a rollout export",
        batch='{"regions": 5}',
        batch_name="data.json",
    ),
    case("holidays-year", "holidays DE --year abc", 1, "Invalid value for '--year'"),
    case("serve-port", "serve --port abc", 1, "Invalid value for '--port'"),
    case("completion-shell", "completion tcsh", 1, "'tcsh' is not one of"),
    case("schema-unknown-command", "schema frobnicate", 1, "no command 'frobnicate'"),
    case(
        "export-missing-folder", "export -o {tmp}/missing/dir/x.json", 1, "the folder {tmp}/missing/dir does not exist"
    ),
    # -- the database file --------------------------------------------------------------------------
    case("db-directory", "status", 1, "is a directory, not a file", db="directory"),
    case("db-empty-file", "check add DE x", 1, "is empty (not a rollout database)", db="empty-file"),
    case("db-truncated", "status", 1, "is corrupt", db="truncated"),
    case("db-truncated-write", "check done DE c200", 1, "is corrupt", db="truncated"),
    case("db-binary", "region list --json", 1, "is corrupt", db="binary"),
    case("db-json-array", "status", 1, "is not a rollout database (no _meta table)", db="array"),
    case("db-other-tinydb-app", "history", 1, "is not a rollout database (no _meta table)", db="other-tinydb"),
    case("db-schema-text", "status", 1, "has no valid schema version", db="schema-text"),
    case("db-regions-list", "status", 1, "(regions is not a table)", db="regions-list"),
    case("db-record-missing-field", "status", 1, "(regions #1 has no timezone)", db="missing-field"),
    case("db-item-not-record", "check list DE", 1, "(items #3 is not a record)", db="item-not-record"),
    case("db-meta-no-revision", "undo", 1, "_meta revision is None", db="meta-no-revision"),
    case("db-newer-schema", "check add DE x", 1, "written by a newer rollout (schema 99", db="newer"),
    case("db-symlink-loop", "status", 1, "cannot read database", db="symlink-loop"),
    case("db-fifo", "status", 1, "is not a regular file", db="fifo"),
    case("db-parent-is-a-file", "status", 1, "Not a directory", db="parent-is-file"),
    case("db-read-only-file", "check add DE x", 1, "is read-only; nothing was written", db="read-only-file"),
    # A missing database named by --db is never created, read-only or not: `rollout init` creates one.
    case("db-missing-read-only", "--read-only status", 1, "(`rollout init` creates one there)", db="missing"),
    case("db-copy-other-scheme", "db copy {db} mysql://launch@db.example/rollout", 1, "not a mysql:// location"),
    case("read-only-flag", "--read-only check done AU c369", 1, "read-only mode: no change written"),
    case("read-only-env", "region set AU --owner x", 1, "read-only mode", env={"ROLLOUT_READ_ONLY": "1"}),
    case("read-only-batch", "--read-only batch {batch}", 1, "read-only mode", batch="check add DE x\n"),
    case(
        "lock-timeout-word",
        "check add DE x",
        1,
        "invalid ROLLOUT_LOCK_TIMEOUT 'soon'",
        env={"ROLLOUT_LOCK_TIMEOUT": "soon"},
    ),
    # -- hand-over and numbers (issue 19, clijobs) --
    case("handover-same-person", "handover payments PAYMENTS", 1, "are the same person"),
    case("handover-unknown-region", "handover payments nadia QQ", 1, "unknown region code 'QQ'"),
    case("handover-missing-to", "handover payments", 2, "Missing argument 'TO'"),
    case(
        "lock-timeout-underscore",
        "check add DE x",
        1,
        "invalid ROLLOUT_LOCK_TIMEOUT '1_0'",
        env={"ROLLOUT_LOCK_TIMEOUT": "1_0"},
    ),
    case("config-set-arabic-digit", "config set health.slack_days ٧", 1, "expected a whole number of days"),
    case("since-signed", "digest --since -1d", 1, "a duration back from now takes no sign"),
    # -- outcomes: sign-off, GMV and exchange rates, freeze windows ------------------------------------
    case("signoff-no-approver", ("signoff", "request", "NL", "--approvers", " ,, "), 1, "give at least one approver"),
    case("signoff-unknown-region", "signoff request QQ --approvers amara", 1, "unknown region code 'QQ'"),
    case("signoff-not-asked", "signoff approve NL", 1, "no sign-off asked for NL"),
    case("signoff-reject-no-note", "signoff reject NL", 2, "Missing option '--note'"),
    case("signoff-show-no-code", "signoff show", 2, "Missing argument 'CODE'"),
    case("kpi-exponent", "kpi target NL --period 2027-01 --gmv 1e3", 1, "exponents are not accepted"),
    case("kpi-nan", "kpi actual NL --period 2027-01 --gmv nan", 1, "NaN and infinities"),
    case("kpi-infinity", "kpi actual NL --period 2027-01 --gmv Infinity", 1, "NaN and infinities"),
    case("kpi-decimals-eur", "kpi actual NL --period 2027-01 --gmv 1.234", 1, "EUR amounts have 2 decimals"),
    case("kpi-decimals-jpy", "kpi actual JP --period 2027-01 --gmv 10.5", 1, "JPY amounts have no decimals"),
    case("kpi-negative", ("kpi", "actual", "NL", "--period", "2027-01", "--gmv=-5"), 1, "at least 0"),
    case("kpi-separator", ("kpi", "actual", "NL", "--period", "2027-01", "--gmv", "1 000"), 1, "thousands separators"),
    case("kpi-arabic-digits", ("kpi", "actual", "NL", "--period", "2027-01", "--gmv", "١٠"), 1, "digits 0-9"),
    case("kpi-month-13", "kpi target NL --period 2027-13 --gmv 1", 1, "no month 13"),
    case("kpi-quarter-5", "kpi target NL --period 2027-Q5 --gmv 1", 1, "no quarter Q5"),
    case("kpi-no-subject", "kpi target --gmv 1", 2, "give CODE --period P, or --promo ID"),
    case("kpi-unknown-promo", "kpi target --promo p99999 --gmv 1", 1, "no promotion p99999"),
    case("kpi-report-period", "kpi --period 2027", 1, "invalid period '2027'"),
    case("kpi-report-currency", "kpi --currency EURO", 1, "unknown currency 'EURO'"),
    case(
        "kpi-import-bad-line",
        "kpi import {batch}",
        1,
        "line 3: invalid actual GMV '1.5'",
        batch="region,period,gmv\nNL,2027-01,100\nJP,2027-01,1.5\n",
        batch_name="actuals.csv",
    ),
    case(
        "import-gmv-bad-line",
        "import {batch}",
        1,
        "line 2: invalid actual GMV '1e5'",
        batch="promo,gmv\np61,1e5\n",
        batch_name="actuals.csv",
    ),
    case("fx-zero", "fx set EUR USD 0 --period 2027-01", 1, "more than 0"),
    case("fx-same", "fx set EUR eur 1 --period 2027-01", 1, "converts to itself"),
    case("fx-remove-missing", "fx remove EUR USD --period 2027-01", 1, "no exchange rate EUR/USD/2027-01"),
    case("freeze-reversed", "freeze add NL --from 2027-02-01 --to 2027-01-01 --reason x", 1, "is before --from"),
    case("freeze-time", "freeze add NL --from 2027-01-01T10:00 --to 2027-01-02 --reason x", 1, "whole local days"),
    case(
        "freeze-no-reason",
        ("freeze", "add", "NL", "--from", "2027-01-01", "--to", "2027-01-02", "--reason", " "),
        1,
        "reason",
    ),
    case("freeze-remove-missing", "freeze remove f9", 1, "no freeze window f9"),
    # -- launch templates, not-applicable items and notes (issue 21) ---------------------------------
    case("template-unknown", "template apply nope DE", 1, "no template nope (templates: standard)"),
    case(
        "template-offset-unit", ("template", "edit", "standard", "cx-coverage", "--due", "3x"), 1, "invalid offset '3x'"
    ),
    case(
        "template-offset-digits", ("template", "edit", "standard", "cx-coverage", "--due", "３wd"), 1, "invalid offset"
    ),
    case(
        "template-offset-words",
        ("template", "edit", "standard", "cx-coverage", "--due", "two weeks"),
        1,
        "invalid offset",
    ),
    case("template-after-unknown", ("template", "edit", "standard", "cx-coverage", "--after", "zz"), 1, "waits for zz"),
    case("template-name", ("template", "add", "no good"), 1, "invalid template name 'no good'"),
    case("template-no-launch", ("template", "add", "x", "--from", "AQ"), 1, "no region AQ"),
    case("check-na-reason-empty", ("check", "na", "c369", "--reason", " "), 1, "reason cannot be empty"),
    case("check-note-link", ("check", "note", "c369", "x", "--link", "file:///etc/passwd"), 1, "invalid link"),
    case("promo-note-unknown", ("promo", "note", "p999", "x"), 1, "no promotion p999"),
]


@pytest.fixture(scope="module")
def seeded_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("seed") / "seed.json"
    Database(path).create(empty=False, force=False)
    return path.read_bytes()


def _seeded_with(seeded: bytes, change) -> bytes:
    document = json.loads(seeded)
    change(document)
    return json.dumps(document).encode()


def make_database(kind: str, tmp_path: Path, seeded: bytes) -> Path:
    path = tmp_path / "db.json"
    contents = {
        "seeded": lambda: seeded,
        "empty-db": lambda: json.dumps(empty_document()).encode(),
        "empty-file": lambda: b"",
        "truncated": lambda: seeded[: len(seeded) // 2],
        "binary": lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "array": lambda: b"[]",
        "other-tinydb": lambda: b'{"_default": {"1": {"name": "an address book"}}}',
        "schema-text": lambda: b'{"_meta": {"1": {"schema": "1"}}}',
        "regions-list": lambda: _seeded_with(seeded, lambda d: d.update(regions=[])),
        "missing-field": lambda: _seeded_with(seeded, lambda d: d["regions"]["1"].pop("timezone")),
        "item-not-record": lambda: _seeded_with(seeded, lambda d: d["items"].update({"3": "c3"})),
        "meta-no-revision": lambda: _seeded_with(seeded, lambda d: d["_meta"]["1"].pop("revision")),
        "newer": lambda: _seeded_with(seeded, lambda d: d["_meta"]["1"].update(schema=99)),
        "read-only-file": lambda: seeded,
    }
    if kind in contents:
        path.write_bytes(contents[kind]())
        if kind == "read-only-file":
            path.chmod(0o444)
    elif kind == "directory":
        path.mkdir()
    elif kind == "symlink-loop":
        path.symlink_to(path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "parent-is-file":
        path.write_bytes(seeded)
        return path / "inner.json"
    elif kind != "missing":
        raise AssertionError(f"unknown database kind {kind}")
    return path


def snapshot(path: Path) -> object:
    """What must not change: the bytes of a file, the listing of a directory, or absence."""
    if path.is_symlink() or not path.exists():
        return ("absent-or-link", path.is_symlink())
    if path.is_dir():
        return ("dir", sorted(p.name for p in path.iterdir()))
    if stat.S_ISFIFO(path.stat().st_mode):
        return "fifo"
    return path.read_bytes()


def _render(args: tuple[str, ...], tmp_path: Path, batch: Path | None) -> list[str]:
    return [a.replace("{batch}", str(batch)).replace("{tmp}", str(tmp_path)) for a in args]


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_one_error_line_and_changes_nothing(
    bad: Case, tmp_path: Path, seeded_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_database(bad.db, tmp_path, seeded_bytes)
    batch = None
    if bad.batch is not None:
        batch = tmp_path / bad.batch_name
        batch.write_bytes(bad.batch if isinstance(bad.batch, bytes) else bad.batch.encode())
    for name, value in bad.env.items():
        monkeypatch.setenv(name, value)
    before = snapshot(path)
    result = run_cli("--db", str(path), *_render(bad.args, tmp_path, batch), input=bad.stdin)
    assert result.exit_code == bad.code, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert bad.message.replace("{tmp}", str(tmp_path)) in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    assert snapshot(path) == before
    assert not list(tmp_path.glob(".db.json.tmp-*"))


def test_the_catalogue_is_large_and_covers_every_command() -> None:
    assert len(CASES) >= 50
    from rollout.cli import cli

    covered = {c.args[0] if not c.args[0].startswith("-") else c.args[1] for c in CASES}
    assert set(cli.commands) <= covered


SCRIPT_CASES = [
    c
    for c in CASES
    if c.id
    in {
        "region-timezone",
        "batch-unterminated-quote",
        "db-truncated",
        "undo-nothing",
        "unknown-command",
        "db-read-only-file",
    }
]


@pytest.mark.e2e
@pytest.mark.parametrize("bad", SCRIPT_CASES, ids=[c.id for c in SCRIPT_CASES])
def test_bad_input_through_the_console_script(bad: Case, tmp_path: Path, seeded_bytes: bytes) -> None:
    path = make_database(bad.db, tmp_path, seeded_bytes)
    batch = None
    if bad.batch is not None:
        batch = tmp_path / bad.batch_name
        batch.write_bytes(bad.batch.encode() if isinstance(bad.batch, str) else bad.batch)
    before = snapshot(path)
    result = run_script("--db", str(path), *_render(bad.args, tmp_path, batch), env={**os.environ, **bad.env})
    assert result.exit_code == bad.code
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")
    assert bad.message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert snapshot(path) == before


@pytest.fixture
def unprivileged(tmp_path: Path) -> Iterator[tuple[Path, Callable[..., Outcome]]]:
    """A folder and a way to run the console script as a user without root's power to read any
    file: this user, or the test user of scripts/test-deps when the suite runs as root (as in CI).
    Yields (folder owned by that user, run(*args, env=...))."""
    if os.geteuid() != 0:
        yield tmp_path, run_script
        return
    user = unprivileged_user()
    folder = Path(tempfile.mkdtemp(prefix="rollout-unprivileged-"))  # not under root's private tmp_path
    os.chown(folder, user.pw_uid, user.pw_gid)

    def run(*args: str, env: dict[str, str] | None = None) -> Outcome:
        command = as_user(user, [str(console_script()), *args])
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
        return Outcome(done.returncode, done.stdout, done.stderr)

    try:
        yield folder, run
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_database_without_read_permission(unprivileged, seeded_bytes: bytes) -> None:
    folder, run = unprivileged
    path = folder / "db.json"
    path.write_bytes(seeded_bytes)
    os.chown(path, folder.stat().st_uid, folder.stat().st_gid)  # the user's own file, without the read bit
    path.chmod(0o000)
    home = folder / "home"
    home.mkdir()
    os.chown(home, folder.stat().st_uid, folder.stat().st_gid)
    xdg = {name: str(home / name.lower()) for name in os.environ if name.startswith("XDG_")}
    env = {**os.environ, "HOME": str(home), **xdg}
    env.pop("ROLLOUT_DB", None)
    try:
        by_option = run("--db", str(path), "status", env=env)
        assert (by_option.exit_code, by_option.stdout) == (1, "")  # --db is a location, read like any other: 1
        assert by_option.stderr.strip() == f"Error: cannot read database {path}: permission denied"
        by_environment = run("check", "add", "DE", "x", env={**env, "ROLLOUT_DB": str(path)})
        assert (by_environment.exit_code, by_environment.stdout) == (1, "")
        assert by_environment.stderr.strip() == f"Error: cannot read database {path}: permission denied"
    finally:
        path.chmod(0o600)
    assert path.read_bytes() == seeded_bytes

"""`check ...`: the readiness checklist of a region."""

from __future__ import annotations

import click

from rollout import ops, queries, times
from rollout.cli import contract, notes, output
from rollout.cli.app import App, already_has, ids_argument, pass_app, require_change
from rollout.cli.completion import complete_item_ids, complete_item_list, complete_owners
from rollout.cli.regions import checklist_table, selectors_argument
from rollout.handover import owned_by, owned_items
from rollout.model import CATEGORIES
from rollout.state import State

CATEGORY_CHOICE = click.Choice(CATEGORIES, case_sensitive=False)
CATEGORIES_HELP = "One of " + ", ".join(CATEGORIES) + "."
AFTER_HELP = "Items it waits for, in any region: ids separated by commas (c10,c11)."


def after_option(help_text: str = AFTER_HELP):  # noqa: ANN201 (a Click decorator)
    return click.option("--after", metavar="ITEM[,ITEM...]", shell_complete=complete_item_list, help=help_text)


def items_argument(one: bool = False, by_owner: bool = False):  # noqa: ANN201 (a Click decorator)
    """`[CODE] ITEM...`: item ids alone (they are unique), or after the code of their region. With
    `by_owner` the ids may be left out for --owner NAME (OWNER_OPTION) to pick the items instead."""
    return click.argument(
        "words",
        metavar="[CODE] ITEM"
        if one
        else "[CODE] ITEM... | --owner NAME [SELECTOR]..."
        if by_owner
        else "[CODE] ITEM...",
        nargs=-1,
        required=not by_owner,  # ids_argument still asks for them when --owner is not given
        shell_complete=complete_item_ids,
    )


OWNER_OPTION = click.option(
    "--owner",
    metavar="NAME",
    shell_complete=complete_owners,
    help="Instead of ITEM ids: the items this person owns (in the regions SELECTOR... picks; default all).",
)


def picked_items(state: State, words: tuple[str, ...], owner: str | None, status: str | None) -> list[str]:
    """The ids an item command acts on when --owner NAME is given: the items NAME owns (identity
    rule, handover.owned_items) in the regions `words` select (CODE, wave=N, status=S, owner=NAME,
    all; none: every region), only those with `status` when given. Item ids beside --owner are a
    usage error (exit 2): they would leave unclear which items are meant."""
    if any(queries.ID_WORD.fullmatch(word.strip()) for word in words):
        raise click.UsageError("give ITEM ids or --owner NAME, not both")
    return [i["id"] for i in owned_items(state, owner or "", words) if status is None or i["status"] == status]


@click.group(short_help="The readiness checklist: list, add, tick, edit, remove.")
def check() -> None:
    """The readiness checklist: list, add, tick, reopen, edit and remove items."""


@check.command("list", short_help="Checklist items with the ids other commands take.")
@selectors_argument()
@click.option("--open", "open_only", is_flag=True, help="Only items not done yet.")
@click.option("--owner", metavar="NAME", shell_complete=complete_owners, help="Only items this person owns.")
@contract.reads(lambda: contract.array(contract.item_schema()))
@pass_app
def check_list(app: App, selectors: tuple[str, ...], open_only: bool, owner: str | None, as_json: bool) -> None:
    """List the checklists of the selected regions, with the short ids other commands take.

    SELECTOR: CODE, wave=N, status=S, owner=NAME or all (default: every region); owner= picks
    regions by their owner, --owner NAME items by theirs (case and spacing do not matter)."""
    state = app.state()
    codes = queries.select(state, selectors, reading=True)
    items = [i for code in codes for i in queries.checklist(state, code, open_only)]
    if owner is not None:
        items = [i for i in items if owned_by(i["owner"], owner)]
    if as_json:
        output.emit_json([queries.item_json(state, i) for i in items])
        return
    if len(codes) != 1:
        click.echo(checklist_table(state, items, with_region=True))
        return
    (code,) = codes
    click.echo(checklist_table(state, items))
    click.echo(
        f"\nreadiness {queries.readiness(state, code)}%, {len(queries.open_critical(state, code))} critical open"
    )


@check.command("add", short_help="Add an item to each selected region.")
@selectors_argument(required=True)
@click.argument("title")
@click.option("--category", type=CATEGORY_CHOICE, metavar="CATEGORY", help=f"{CATEGORIES_HELP}  [default: other]")
@click.option("--due", help=f"Due date: {times.WHEN_HELP}.")
@click.option("--owner", help="Who owns it.  [default: the region's owner]")
@click.option("--critical", is_flag=True, help="Gates launch: the region cannot launch while it is open.")
@after_option()
@contract.edits()
@pass_app
def check_add(
    app: App,
    selectors: tuple[str, ...],
    title: str,
    category: str | None,
    due: str | None,
    owner: str | None,
    critical: bool,
    after: str | None,
    as_json: bool,
) -> None:
    """Add an item to every selected region (SELECTOR: CODE, wave=N, status=S, owner=NAME or all).

    With --after, it waits for those items: it cannot be ticked while one of them is open."""
    with app.change() as state:
        created = ops.add_items(
            state, selectors, title, category=category, due=due, owner=owner, critical=critical, after=after
        )
    app.report(as_json, lambda: "\n".join(f"Added {i['id']} to {i['region']}: {i['title']}" for i in created))


def _tick(
    app: App, words: tuple[str, ...], done: bool, as_json: bool, force: bool = False, owner: str | None = None
) -> None:
    code, ids = (None, []) if owner is not None else ids_argument(words, "ITEM")
    with app.change() as state:
        if owner is not None:
            ids = picked_items(state, words, owner, "open" if done else "done")  # those not already so
        changed = ops.set_items_done(state, code, ids, done, app.user, force=force)  # those not already so
    verb = "Done" if done else "Reopened"
    named = list(dict.fromkeys(i.lower() for i in ids))
    already = "done" if done else "open"
    if owner is not None:
        unchanged = f"Nothing changed: every item of {owner.strip()} is already {already}."
    else:
        unchanged = f"Nothing changed: {', '.join(named)} {'is' if len(named) == 1 else 'are'} already {already}."
    app.report(as_json, lambda: "\n".join(f"{verb}: {i['id']} {i['title']}" for i in changed), unchanged=unchanged)


@check.command("done", short_help="Tick items as done.")
@items_argument(by_owner=True)
@OWNER_OPTION
@click.option("--force", is_flag=True, help="Tick even while an item it waits for is open (recorded in history).")
@contract.edits()
@pass_app
def check_done(app: App, words: tuple[str, ...], owner: str | None, force: bool, as_json: bool) -> None:
    """Tick items as done (ids alone, or after their region's code). An item that waits for an
    open item is refused unless --force; items ticked together count as done for each other.

    With --owner NAME instead of ids: every open item NAME owns (case and spacing do not matter),
    in the regions the words select (CODE, wave=N, status=S, owner=NAME, all; default every region)."""
    _tick(app, words, True, as_json, force, owner)


@check.command("reopen", short_help="Mark items as not done again.")
@items_argument(by_owner=True)
@OWNER_OPTION
@contract.edits()
@pass_app
def check_reopen(app: App, words: tuple[str, ...], owner: str | None, as_json: bool) -> None:
    """Mark items as not done again (ids alone, or after their region's code).

    With --owner NAME instead of ids: every done item NAME owns, in the regions the words select
    (CODE, wave=N, status=S, owner=NAME, all; default every region)."""
    _tick(app, words, False, as_json, owner=owner)


@check.command("edit", short_help="Change an item's title, category, due, owner, flag, after.")
@items_argument(one=True)
@click.option("--title", help="New title.")
@click.option("--category", type=CATEGORY_CHOICE, metavar="CATEGORY", help=CATEGORIES_HELP)
@click.option("--due", help=f"Due date: {times.WHEN_HELP}; '' clears it.")
@click.option("--owner", help="Who owns it.")
@click.option("--critical/--not-critical", default=None, help="Whether it gates launch.")
@after_option("The items it waits for, replacing the list: ids separated by commas.")
@click.option("--no-after", is_flag=True, default=None, help="It waits for nothing any more.")
@contract.edits()
@pass_app
def check_edit(app: App, words: tuple[str, ...], no_after: bool | None, as_json: bool, **fields: object) -> None:
    """Change an item's title, category, due date, owner, critical flag or the items it waits for
    (a cycle of waiting items is refused, naming it)."""
    code, (item_id,) = ids_argument(words, "ITEM", one=True)
    require_change({**fields, "no_after": no_after})
    if no_after:
        if fields["after"] is not None:
            raise click.UsageError("give --after ITEMS or --no-after, not both")
        fields["after"] = []
    with app.change() as state:
        item = ops.edit_item(state, code, item_id, **fields)  # type: ignore[arg-type]
    app.report(
        as_json,
        lambda: f"Updated {item['id']}: {item['title']}",
        unchanged=already_has([item["id"]], {**fields, "no_after": no_after}),
    )


@check.command("remove", short_help="Remove checklist items.")
@items_argument(by_owner=True)
@OWNER_OPTION
@contract.edits()
@pass_app
def check_remove(app: App, words: tuple[str, ...], owner: str | None, as_json: bool) -> None:
    """Remove checklist items (ids alone, or after their region's code).

    With --owner NAME instead of ids: every item NAME owns, open or done, in the regions the words
    select (CODE, wave=N, status=S, owner=NAME, all; default every region)."""
    code, ids = (None, []) if owner is not None else ids_argument(words, "ITEM")
    with app.change() as state:
        if owner is not None:
            ids = picked_items(state, words, owner, None)
        removed = ops.remove_items(state, code, ids)
    app.report(as_json, lambda: "\n".join(f"Removed {i['id']} {i['title']}" for i in removed))


# -- not applicable ----------------------------------------------------------------------------
@check.command("na", short_help="Mark an item not applicable to its region, with a reason.")
@items_argument(one=True)
@click.option("--reason", required=True, help="Why it does not apply (shown wherever the item is).")
@contract.edits()
@pass_app
def check_na(app: App, words: tuple[str, ...], reason: str, as_json: bool) -> None:
    """Mark an item not applicable to its region: it counts neither for readiness nor for the
    launch gate, and shows the reason. `check applies ITEM` takes it back."""
    code, (item_id,) = ids_argument(words, "ITEM", one=True)
    with app.change() as state:
        item = _templates().set_not_applicable(state, code, item_id, reason)
    app.report(
        as_json,
        lambda: f"Not applicable: {item['id']} {item['title']} ({item['not_applicable']})",
        unchanged=f"Nothing changed: {item['id']} is already not applicable for that reason.",
    )


@check.command("applies", short_help="Make a not-applicable item count again.")
@items_argument(one=True)
@contract.edits()
@pass_app
def check_applies(app: App, words: tuple[str, ...], as_json: bool) -> None:
    """Take back `check na`: the item counts for readiness and the launch gate again."""
    code, (item_id,) = ids_argument(words, "ITEM", one=True)
    with app.change() as state:
        item = _templates().set_not_applicable(state, code, item_id, None)
    app.report(
        as_json,
        lambda: f"Applies again: {item['id']} {item['title']}",
        unchanged=f"Nothing changed: {item['id']} already applies.",
    )


def _templates():  # noqa: ANN202
    """rollout.templates, loaded by the commands that change not-applicable items only."""
    from rollout import templates

    return templates


@check.command("note", short_help="Add a dated note to an item.")
@click.argument("item")
@click.argument("text")
@click.option("--link", help=notes.LINK_HELP)
@contract.edits()
@pass_app
def check_note(app: App, item: str, text: str, link: str | None, as_json: bool) -> None:
    """Add a note to ITEM: dated, signed with the user, never edited (undo takes it back)."""
    notes.add_note(app, "items", item, text, link, as_json)


COMMANDS = [check]

"""The identity rule (rollout.identity): one name is one person."""

from rollout.identity import UNASSIGNED, display_name, is_unassigned, person_key, same_person


def test_case_and_spaces_do_not_make_another_person():
    assert same_person("amara", "Amara")
    assert same_person("AMARA", " amara ")
    assert same_person("Amara  Okafor", "amara okafor")
    assert not same_person("amara", "amaro")


def test_compatibility_forms_fold_to_one_person():
    # A full-width letter typed by an input method is the same name (NFKC).
    assert same_person("\uff21mara", "amara")
    # German sharp s folds like "ss" (case folding, not lower()).
    assert same_person("Strauß", "STRAUSS")


def test_a_blank_name_is_nobody():
    assert person_key("   ") == ""
    assert person_key(None) == ""
    assert is_unassigned("\t")
    assert not same_person("", "")
    assert not same_person(None, " ")


def test_shown_in_the_spelling_most_used():
    assert display_name(["amara", "Amara", "Amara", "AMARA"]) == "Amara"
    assert display_name(["AMARA", "amara"]) == "AMARA"  # a tie: the first in sorted order
    assert display_name([" Amara ", "Amara"]) == "Amara"
    assert display_name(["", "  "]) == UNASSIGNED

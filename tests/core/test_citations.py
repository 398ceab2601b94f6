"""Citation checking on hand-made passages (fast, no model)."""

from app.core.citations import SUPPORTED, check_citations, lexical_support

PASSAGES = [
    "Networking — You must understand: IP addressing, DNS, ports, load balancing, reverse proxy.",
    "Containers — Docker is essential. Containers make environments reproducible.",
    "Git — Git is non-negotiable. You should know branching, merge and rebase.",
]


def test_valid_citations_are_kept_and_supported():
    check = check_citations("Containers make environments reproducible [2]. Git is non-negotiable [3].", PASSAGES)
    assert [s.cited for s in check.sentences] == [[2], [3]]
    assert check.unsupported == [] and check.invalid_citations == []
    assert check.support_of(2) >= SUPPORTED


def test_citation_to_a_missing_passage_is_dropped_and_repaired():
    check = check_citations("Docker is essential [9].", PASSAGES)
    assert check.invalid_citations == [9]
    assert check.sentences[0].cited == [2] and check.sentences[0].repaired
    assert check.answer == "Docker is essential [2]."


def test_wrong_number_is_repaired_when_another_passage_supports_it():
    check = check_citations("You should know branching, merge and rebase [1].", PASSAGES)
    assert check.sentences[0].cited == [3] and check.sentences[0].repaired


def test_uncited_supported_sentence_gets_its_citation():
    check = check_citations("Containers make environments reproducible.", PASSAGES)
    assert check.sentences[0].cited == [2]


def test_unsupported_claims_are_flagged():
    check = check_citations("Kubernetes was released in 2014 by Google engineers [1].", PASSAGES)
    assert check.unsupported == ["Kubernetes was released in 2014 by Google engineers."]


def test_declines_are_not_claims():
    check = check_citations("That is not in the provided context.", PASSAGES)
    assert check.unsupported == [] and check.cited == []


def test_negation_and_invented_numbers_lower_support():
    passage = "Git is non-negotiable. In AI systems, version control is not only about source code."
    assert lexical_support("Git is non-negotiable.", passage) == 1.0
    assert lexical_support("Git is never non-negotiable.", passage) < SUPPORTED
    assert lexical_support("Git is non-negotiable in 3 of 4 teams.", passage) < SUPPORTED


def test_prose_sentences_never_split_inline_code_and_skip_code_blocks():
    from app.core.text import passage_sentences

    text = ("FROM python:3.12\nRUN pip install x\n```\n\n"  # a chunk that starts inside a code block
            "The pattern `LEFT JOIN ... WHERE o.id IS NULL` finds rows with no match. Use it.\n\n"
            "```bash\ndocker build -t api:1 .\n```\nThe `-t` flag names the image.\n")
    assert passage_sentences(text) == ["The pattern `LEFT JOIN ... WHERE o.id IS NULL` finds rows with no match.",
                                       "Use it.", "The `-t` flag names the image."]


def test_only_the_last_sentence_of_a_paragraph_introduces_its_code_block_or_list():
    from app.core.text import passage_sentences

    text = ("A default value is evaluated once, when the `def` statement runs.\n"
            "The second call appends to the list left over from the first call.\n"
            "The safe pattern uses `None` as the default:\n\n```python\ndef f(x=None):\n    ...\n```\n\n"
            "You must understand:\n- IP addressing\n- DNS\n")
    assert passage_sentences(text) == ["A default value is evaluated once, when the `def` statement runs.",
                                       "The second call appends to the list left over from the first call.",
                                       "The safe pattern uses `None` as the default:",
                                       "You must understand: IP addressing, DNS."]


def test_a_name_inside_a_hyphenated_word_is_not_an_unseen_name():
    from app.core.citations import unseen_names

    passage = "The all-MiniLM-L6-v2 model cuts text after 256 tokens."
    assert unseen_names("Every model has a limit, and `all-MiniLM-L6-v2` cuts text.", passage) == []
    assert unseen_names("Every model has a limit, and Kubeflare cuts text.", passage) == ["Kubeflare"]


def test_how_an_answer_frames_a_fact_is_not_held_against_it():
    """"You need to use the X command" claims X; the framing words are in no passage and prove nothing either way."""
    from app.core.citations import lexical_support

    passage = "Make the script executable for its owner with `chmod +x deploy.sh`, then run it as `./deploy.sh`."
    assert lexical_support("To run your shell script, you need to use the `chmod +x` command.", passage) >= 0.6
    assert lexical_support("You need to use the `rm -rf /` command to free disk space.", passage) < 0.6


def test_a_quoted_command_is_supported_by_its_own_line_not_the_prose_around_it():
    passage = ("```bash\nsudo du -xh --max-depth=1 / | sort -h  # biggest top-level dirs\n```\n\n"
               "The `-x` flag keeps `du` on one file system so other mounts are not counted.\n")
    assert lexical_support("For example: `sudo du -xh --max-depth=1 / | sort -h`.", passage) == 1.0
    # the prose's negation still counts against a sentence that drops it
    assert lexical_support("The `-x` flag keeps `du` on one file system so other mounts are counted.", passage) < 1

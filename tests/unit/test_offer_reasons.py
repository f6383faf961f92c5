"""The verdict's bullets: one per quoted phrase, overlapping quotes merged, answers kept apart."""
from bot.offers.reasons import reason_bullets
from bot.offers.scoring import Flag


def flag(code, evidence, start, explanation):
    return Flag(code=code, signal=code, evidence=evidence, start=start, end=start + len(evidence),
                explanation=explanation, weight=1.0)


def test_the_same_words_twice_make_one_bullet_with_both_explanations():
    text = reason_bullets([flag("night", "tonight", 5, "Night work."), flag("urgency", "Tonight", 40, "Pressure."),
                           flag("pay", "$900 a trip", 20, "Per-trip pay.")], limit=3)

    assert text.splitlines() == ['• "tonight": Night work. Pressure.', '• "$900 a trip": Per-trip pay.']


def test_overlapping_words_are_quoted_once_by_the_longer_quote():
    text = reason_bullets([flag("urgency", "hoy", 8, "Prisa."), flag("night", "hoy en la noche", 8, "De noche.")], limit=3)

    assert text == '• "hoy en la noche": Prisa. De noche.'


def test_answers_without_a_quote_keep_a_bullet_each_and_the_limit_counts_bullets():
    flags = [flag("a", "", 0, "You were asked to drive people."), flag("b", "", 0, "You were asked to pay first."),
             flag("c", "cash", 3, "Cash only."), flag("d", "cash", 3, "Same words again."), flag("e", "dm me", 9, "Private chat.")]
    text = reason_bullets(flags, limit=3)

    assert text.splitlines() == ["• You were asked to drive people.", "• You were asked to pay first.",
                                 '• "cash": Cash only. Same words again.']


def test_no_flags_no_bullets():
    assert reason_bullets([], limit=3) == ""

import pytest

from dsatkit.language import guess_language, language_code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("What is the capital of France? Please answer briefly.", "en"),
        ("这个答案不对，请重新回答", "zh"),
        ("Это неправильно, попробуй ещё раз", "ru"),
        ("No es lo que pedí, por favor hazlo de nuevo", "es"),
        ("Ce n'est pas ce que je voulais, merci de refaire", "fr"),
        ("Das ist nicht richtig, bitte noch einmal", "de"),
        ("Não é isso, você pode refazer por favor", "pt"),
        ("12345 ???", "und"),
    ],
)
def test_guess_language(text, code):
    assert guess_language(text) == code


@pytest.mark.parametrize(("name", "code"), [("English", "en"), ("pt-BR", "pt"), ("zh_CN", "zh"), ("", None)])
def test_language_code(name, code):
    assert language_code(name) == code

"""Short, generic example reactions per label: the head's window on what a turn *says*, in embedding space.

A turn's cosine with the nearest prototype of each label is a handful of features that carry across
products: "that's not what I asked for" sits near the complaint prototypes whether the product books
trains or writes code, and a polite correction with no cue word still lands near the correction ones.
Written for this toolkit, not taken from any dataset; the head learns only how much to trust each.
Changing them changes the features: bump PROTOTYPE_VERSION and retrain the packaged head.
"""

from __future__ import annotations

import hashlib

PROTOTYPE_VERSION = 1

PROTOTYPES: dict[str, tuple[str, ...]] = {
    "correction": (
        "No, that's wrong, it should be the other way round.",
        "Actually the correct answer is different, you mixed them up.",
        "You made a mistake: I said Tuesday, not Thursday.",
        "That's not right, I meant the second one.",
        "The code still fails, you forgot to close the file.",
        "No, use Python 3, not Python 2.",
        "I asked for five items and you gave me three.",
        "It's not in London, it's in Manchester.",
    ),
    "complaint": (
        "That's wrong.",
        "This doesn't make sense.",
        "That's not what I asked.",
        "You didn't answer my question.",
        "This is useless.",
        "The code doesn't work.",
        "You misunderstood me.",
        "Still the same error.",
        "That's not helpful at all.",
        "You're not listening to me.",
        "That answer is terrible.",
        "Why are you ignoring what I said?",
    ),
    "revision": (
        "Make it shorter.",
        "Can you rewrite it in a more formal tone?",
        "Give me more details.",
        "Please continue, you stopped in the middle.",
        "Can you put that in a table?",
        "Too long, summarise it in two sentences.",
        "Try again.",
        "Rewrite it without bullet points.",
        "Make it simpler, I'm a beginner.",
        "Do it again but funnier.",
    ),
    "clarification": (
        "What do you mean?",
        "Can you explain that?",
        "What does that word mean?",
        "I don't understand, can you clarify?",
        "Why is that?",
        "What is that in this context?",
        "Which one do you mean?",
    ),
    "positive": (
        "Thanks!",
        "Great, that worked.",
        "Perfect, thank you.",
        "That's exactly what I needed.",
        "Awesome answer.",
        "Ok, got it.",
        "Cool, thanks a lot.",
        "Yes, that's right.",
    ),
    "neutral": (
        "Now write a function that sorts a list.",
        "What is the capital of France?",
        "Tell me a joke.",
        "Next question: how do I install numpy?",
        "I like playing football on weekends.",
        "Can you also add a section about pricing?",
        "Hello, how are you?",
        "I want to book a table for two.",
        "Ok, and what about the weather tomorrow?",
    ),
}

PROTOTYPE_LABELS: tuple[str, ...] = tuple(PROTOTYPES)


def prototype_fingerprint() -> str:
    """Changes whenever a prototype does: stored with a head so a mismatch is caught at load."""
    text = "\n".join(f"{label}\t{s}" for label, sentences in PROTOTYPES.items() for s in sentences)
    return f"v{PROTOTYPE_VERSION}-" + hashlib.sha256(text.encode()).hexdigest()[:12]

"""A planted-PII corpus written for this project: (entity, text, planted value) triples.

Hand-written cases cover each format the scrubber claims; `generate` makes many more with random
values (Luhn-valid cards, IBANs with correct check digits, random keys) for recall measurement.
NEGATIVES are look-alikes that must survive untouched (versions, hashes, ids, identifiers).
"""

from __future__ import annotations

import random
import string

PLANTED: list[tuple[str, str, str]] = [
    ("EMAIL", "Reach me at maria.lopez@gmail.com tomorrow.", "maria.lopez@gmail.com"),
    ("EMAIL", "my work email is j.smith+invoices@acme-corp.co.uk, use that one", "j.smith+invoices@acme-corp.co.uk"),
    ("EMAIL", "send the draft to dev_team@startup.io please", "dev_team@startup.io"),
    ("EMAIL", "Contact: KLAUS.MEIER@WEB.DE", "KLAUS.MEIER@WEB.DE"),
    ("PHONE", "You can call me at +1 (415) 555-0132 after 5pm.", "+1 (415) 555-0132"),
    ("PHONE", "my number is 415-555-0198", "415-555-0198"),
    ("PHONE", "ring the office on +44 20 7946 0958", "+44 20 7946 0958"),
    ("PHONE", "Mobil: +49 151 23456789", "+49 151 23456789"),
    ("PHONE", "whatsapp +33 6 12 34 56 78 anytime", "+33 6 12 34 56 78"),
    ("CREDIT_CARD", "charge my card 4111 1111 1111 1111 exp 09/27", "4111 1111 1111 1111"),
    ("CREDIT_CARD", "the Mastercard is 5500-0000-0000-0004", "5500-0000-0000-0004"),
    ("CREDIT_CARD", "Amex 378282246310005 was declined", "378282246310005"),
    ("CREDIT_CARD", "use 6011111111111117 for the test payment", "6011111111111117"),
    ("IBAN", "wire it to DE89 3704 0044 0532 0130 00 by Friday", "DE89 3704 0044 0532 0130 00"),
    ("IBAN", "my IBAN: GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"),
    ("IBAN", "Account NL91ABNA0417164300 (ABN AMRO)", "NL91ABNA0417164300"),
    ("IBAN", "IBAN FR1420041010050500013M02606 please", "FR1420041010050500013M02606"),
    ("IP_ADDRESS", "my home server is at 192.168.1.20, port 22", "192.168.1.20"),
    ("IP_ADDRESS", "the VPS has IP 203.0.113.77", "203.0.113.77"),
    ("IP_ADDRESS", "ipv6 2001:db8:85a3::8a2e:370:7334 is unreachable", "2001:db8:85a3::8a2e:370:7334"),
    ("CREDENTIAL_URL", "DATABASE_URL=postgres://admin:hunter2@db.example.com:5432/prod", "postgres://admin:hunter2@db.example.com:5432/prod"),
    ("CREDENTIAL_URL", "open https://alice:p4ssw0rd@intranet.example.org/login to see it", "https://alice:p4ssw0rd@intranet.example.org/login"),
    ("CREDENTIAL_URL", "client = MongoClient('mongodb+srv://app:S3cretPass@cluster0.ab12c.mongodb.net/test')", "mongodb+srv://app:S3cretPass@cluster0.ab12c.mongodb.net/test"),
    ("CREDENTIAL_URL", "ftp://bob:letmein@ftp.example.net/files has the dump", "ftp://bob:letmein@ftp.example.net/files"),
    ("API_KEY", "openai.api_key = 'sk-proj-4fGh7Jk2Lm9Qw3Er5Ty8Ui1Op6As0Df'", "sk-proj-4fGh7Jk2Lm9Qw3Er5Ty8Ui1Op6As0Df"),
    ("API_KEY", "ANTHROPIC_API_KEY=sk-ant-api03-Xy7Zq2Wv5Ut8Sr1Qp4On7Ml0Kj3Ih6Gf9Ed2Cb", "sk-ant-api03-Xy7Zq2Wv5Ut8Sr1Qp4On7Ml0Kj3Ih6Gf9Ed2Cb"),
    ("CREDENTIAL_URL", "git clone https://ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8@github.com/x/y", "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
    ("API_KEY", "export GITHUB_TOKEN=ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
    ("API_KEY", "token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF0123", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF0123"),
    ("API_KEY", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    ("API_KEY", "HF_TOKEN=hf_QwErTyUiOpAsDfGhJkLzXcVbNm1234567890", "hf_QwErTyUiOpAsDfGhJkLzXcVbNm1234567890"),
    ("API_KEY", "SLACK_BOT_TOKEN=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
    ("API_KEY", "maps key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY in the html", "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"),
    ("API_KEY", "stripe.api_key = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("API_KEY", "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
    ("PRIVATE_KEY", "here is my key\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx7d9Lk3Pq\nZ2vB8nR4tY6uI0oP\n-----END RSA PRIVATE KEY-----\nwhy does ssh fail",
     "-----BEGIN RSA PRIVATE KEY-----"),
    ("SECRET", "password = 'Zx8Qp2Lm9Rt4Vw7Ys1Kd6Hf3Jg5Nb0Tc'", "Zx8Qp2Lm9Rt4Vw7Ys1Kd6Hf3Jg5Nb0Tc"),
    ("SECRET", "client_secret: Gh3kT9pQ2mW7xZ4vB8nR1sL6yC5dF0aJ", "Gh3kT9pQ2mW7xZ4vB8nR1sL6yC5dF0aJ"),
    ("SECRET", "the webhook signing secret is 7Yq2Rk9Lm4Tz8Wp3Xc6Vb1Nn5Hd0Gs2Fj", "7Yq2Rk9Lm4Tz8Wp3Xc6Vb1Nn5Hd0Gs2Fj"),
]

# Look-alikes with no personal data: a scrubber that touches these damages the dataset.
NEGATIVES: list[str] = [
    "Version 2.10.3 was released on 2024-05-01 and fixes 12 bugs.",
    "see commit 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b for the change",
    "DRIFT is arXiv 2510.02341, WildFeedback is arXiv 2408.15549.",
    "call getElementByIdAndReturnValue() then useEffectCleanupFunction42()",
    "pi is about 3.14159 and e about 2.71828",
    "the model Qwen2.5-7B-Instruct-GPTQ-Int4 needs 8 GB",
    "docs are at https://huggingface.co/docs/datasets/index",
    "the uuid 123e4567-e89b-12d3-a456-426614174000 identifies the job",
    "Order 12345 shipped in 3 boxes of 24 items.",
    "I was born in 1990 and moved in 2015.",
    "Use the transformersAutoModelForCausalLM class",
    "Set learning_rate=5e-7 and beta=0.1 for 3 epochs.",
]

_ALNUM = string.ascii_letters + string.digits


def _luhn_complete(prefix: str, length: int, rnd: random.Random) -> str:
    digits = prefix + "".join(rnd.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # positions that are doubled once the check digit is appended
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


def _iban(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    check = 98 - number % 97
    return f"{country}{check:02d}{bban}"


def _token(rnd: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    while True:
        value = "".join(rnd.choice(alphabet) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value):
            return value


def generate(n_per_type: int = 50, seed: int = 0) -> list[tuple[str, str, str]]:
    """Random planted values in short chat-like sentences, n per entity type."""
    rnd = random.Random(seed)
    first = ["anna", "li.wei", "omar", "j.doe", "sofia", "k_tanaka", "pierre", "nia"]
    domains = ["gmail.com", "outlook.com", "uni-heidelberg.de", "example.co.uk", "proton.me", "company.io"]
    out: list[tuple[str, str, str]] = []
    for _ in range(n_per_type):
        email = f"{rnd.choice(first)}{rnd.randint(1, 999)}@{rnd.choice(domains)}"
        out.append(("EMAIL", f"you can mail {email} with the results", email))
        # Real area codes and mobile ranges: phone checks validate numbers, made-up ranges are not numbers.
        us_area = rnd.choice(["212", "415", "646", "312", "617", "206", "512", "305", "702", "919"])
        phone = rnd.choice([
            f"+1 {us_area} {rnd.randint(200, 999)} {rnd.randint(1000, 9999)}",
            f"({us_area}) {rnd.randint(200, 999)}-{rnd.randint(1000, 9999)}",
            f"+44 7{rnd.choice(['4', '5', '7', '8', '9'])}{rnd.randint(10, 99)} {rnd.randint(100000, 999999)}",
            f"+49 {rnd.choice(['151', '152', '157', '160', '170', '171', '176'])} {rnd.randint(10000000, 99999999)}",
        ])
        out.append(("PHONE", f"text me on {phone} when you land", phone))
        card = _luhn_complete(rnd.choice(["4", "51", "55", "37"]), 16 if rnd.random() < 0.8 else 15, rnd)
        card_text = " ".join(card[i:i + 4] for i in range(0, len(card), 4)) if rnd.random() < 0.5 else card
        out.append(("CREDIT_CARD", f"my card number is {card_text}, is it valid?", card_text))
        iban = rnd.choice([
            _iban("DE", "".join(rnd.choice(string.digits) for _ in range(18))),
            _iban("FR", "".join(rnd.choice(string.digits) for _ in range(23))),
            _iban("NL", "ABNA" + "".join(rnd.choice(string.digits) for _ in range(10))),
        ])
        out.append(("IBAN", f"please transfer to {iban} today", iban))
        ip = rnd.choice([
            f"{rnd.randint(11, 223)}.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}",
            f"2001:db8:{rnd.randint(1, 65535):x}::{rnd.randint(1, 65535):x}",
        ])
        out.append(("IP_ADDRESS", f"ssh into {ip} fails with timeout", ip))
        url = f"https://{rnd.choice(first).replace('.', '')}:{_token(rnd, 10)}@{rnd.choice(['git', 'db', 'api'])}.{rnd.choice(domains)}/repo"
        out.append(("CREDENTIAL_URL", f"the remote is {url} but push fails", url))
        key = rnd.choice([
            "sk-proj-" + _token(rnd, 40),
            "ghp_" + _token(rnd, 36),
            "hf_" + _token(rnd, 34),
            "AKIA" + "".join(rnd.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
            "xoxb-" + str(rnd.randint(10**11, 10**12 - 1)) + "-" + _token(rnd, 24),
            "AIza" + _token(rnd, 35),
            "sk_live_" + _token(rnd, 24),
        ])
        out.append(("API_KEY", f"my key is {key} and the call returns 401", key))
        secret = _token(rnd, rnd.choice([24, 32, 40, 48]))
        out.append(("SECRET", f"session_secret = \"{secret}\"", secret))
    return out

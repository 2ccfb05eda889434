"""Rules of the API that JSON Schema cannot state, taught to schemathesis' generator.

The OpenAPI document gives every rule a schema can express (patterns, lengths, ranges, enums,
lists without repeats). A few rules are beyond it: check digits, opaque cursors, "each of the 25
questions exactly once", fields required by the value of another field, passwords that are not
common ones, references to the caller's own data, and state (idempotency keys, entity tags).
A test case the generator calls positive ("valid by the schema") can break one of these, and the
service then rightly answers 422 or 412, which `positive_data_acceptance` would report.

So each positive case is completed here with what the schema could not say; negative cases are
left exactly as generated. Nothing here weakens a check: the service still has to accept every
completed positive case and reject every negative one.

Environment (set by .ci/schemathesis): FUZZ_DIAGNOSIS_ID, a diagnosis of the declarer whose token
the run uses (for step-up), and FUZZ_USER_NUMBER, that declarer's user number (a new password
must not contain it).
"""

import base64
import os
import random
import re
import unicodedata
import uuid
from pathlib import Path

import schemathesis

COMMON_PASSWORDS = {
    line.strip()
    for line in (Path(__file__).resolve().parent.parent / "src/domain/common-passwords.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
}


def _luhn_digit(digits: str) -> str:
    """The Luhn check digit over `digits` (src/domain/identifiers.rs)."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        digit = int(char)
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def _declaration_id(value):
    """A pattern-valid declaration ID with its check digit made right. An 11-digit one (the old
    system's form) is valid only if it was imported, like a 12-digit one failing the check
    digit: it is made one of this service's, its eleven digits and the check digit."""
    if isinstance(value, str) and re.fullmatch(r"4[0-9]{10,11}", value):
        return value[:11] + _luhn_digit(value[:11])
    return value


def _corporate_number(value):
    """A pattern-valid 法人番号 with its leading check digit made right."""
    if isinstance(value, str) and re.fullmatch(r"[1-9][0-9]{12}", value):
        base = value[1:]
        total = sum(int(p) * (1 if i % 2 == 0 else 2) for i, p in enumerate(reversed(base)))
        return str(9 - total % 9) + base
    return value


def _new_corporate_number() -> str:
    return _corporate_number("1" + "".join(random.choice("0123456789") for _ in range(12)))


# Filters that are characters of a SQL LIKE pattern, alone or trailing.
LIKE_CHARACTERS = ["%", "a%", "declaration%", "_", "a_", "\\", "a\\", "\\%", "%%"]


def _cursor() -> str:
    """A cursor as the service hands them out (opaque to clients, `v1:<id>` inside)."""
    return base64.urlsafe_b64encode(f"v1:{random.randint(1, 10**9)}".encode()).decode().rstrip("=")


def _password(value, user_number=None):
    """A password of the same length that also keeps the rules beyond the schema: not one
    character repeated, not a common password, not containing the user number."""
    if not isinstance(value, str) or not 12 <= len(value) <= 128:
        return value
    digits = value.translate({0xFF10 + i: ord("0") + i for i in range(10)})
    if (
        len(set(value)) > 1
        and value.strip().lower() not in COMMON_PASSWORDS
        and not (user_number and user_number in digits)
    ):
        return value
    filler = "fuzz passphrase " + uuid.uuid4().hex * 4
    return filler[: len(value)]


def _answers(answers):
    """The 25 answers with each question exactly once (in a shuffled order)."""
    if isinstance(answers, list) and len(answers) == 25 and all(isinstance(a, dict) for a in answers):
        questions = list(range(1, 26))
        random.shuffle(questions)
        for answer, question in zip(answers, questions):
            answer["question"] = question
    return answers


def _disclosure(disclosure):
    """`url` exactly with `company_website`, `other_description` exactly with `other`."""
    if not isinstance(disclosure, dict) or not isinstance(disclosure.get("methods"), list):
        return disclosure
    methods = disclosure["methods"]
    if "company_website" in methods:
        if not (disclosure.get("url") or "").strip():
            disclosure["url"] = "https://example.co.jp/policy"
    else:
        disclosure.pop("url", None)
    if "other" in methods:
        if not (disclosure.get("other_description") or "").strip():
            disclosure["other_description"] = "取引先への説明資料"
    else:
        disclosure.pop("other_description", None)
    return disclosure


# Legal forms, which alone are no organisation name (src/domain/name.rs).
LEGAL_FORMS = {
    "株式会社", "有限会社", "合同会社", "合名会社", "合資会社", "相互会社", "一般社団法人",
    "一般財団法人", "公益社団法人", "公益財団法人", "社団法人", "財団法人", "npo法人", "医療法人",
    "社会福祉法人", "学校法人", "株", "有", "同", "名", "資", "社", "財", "学", "医", "協",
    "coltd", "companylimited", "ltd", "limited", "kk", "inc", "incorporated", "llc", "corp",
    "corporation", "co",
}


def _organization_name(name):
    """A name that is more than white space, punctuation or a legal form."""
    if not isinstance(name, str):
        return name
    core = re.sub(r"[\W_]", "", unicodedata.normalize("NFKC", name)).lower()
    if core and core not in LEGAL_FORMS:
        return name
    return ("サンプル" + name.strip())[:200]


def _organization(organization, partial=False):
    """A real name; the corporate number follows the organisation type (required for a
    corporation, forbidden for a sole proprietor), with a right check digit."""
    if not isinstance(organization, dict):
        return organization
    if "name" in organization:
        organization["name"] = _organization_name(organization["name"])
    if "corporate_number" in organization:
        organization["corporate_number"] = _corporate_number(organization["corporate_number"])
    kind = organization.get("organization_type")
    number = organization.get("corporate_number")
    if kind == "corporation" and not number:
        organization["corporate_number"] = _new_corporate_number()
    elif kind == "sole_proprietor":
        if partial:
            organization["corporate_number"] = None
        else:
            organization.pop("corporate_number", None)
    elif partial and kind is None and "corporate_number" in organization:
        # The stored type may be any (an earlier change may have set it): a number goes with a
        # corporation, clearing it with an organisation that is not one.
        organization["organization_type"] = "corporation" if number else "other"
    return organization


def _application(body):
    """One star without, two stars with a diagnosis and a policy disclosure."""
    if not isinstance(body, dict):
        return body
    _organization(body.get("organization"))
    body["password"] = _password(body.get("password"))
    if body.get("star") == "two_star":
        if not isinstance(body.get("diagnosis"), dict):
            body["diagnosis"] = {
                "answers": [{"question": q, "answer": "implemented"} for q in range(1, 26)]
            }
        if not isinstance(body.get("policy_disclosure"), dict):
            body["policy_disclosure"] = {
                "methods": ["company_profile"],
                "is_information_security_policy": True,
            }
        _answers(body["diagnosis"].get("answers"))
        _disclosure(body["policy_disclosure"])
    elif body.get("star") == "one_star":
        body.pop("diagnosis", None)
        body.pop("policy_disclosure", None)
    return body


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is not None and meta.generation.mode.is_positive:
        _complete(case)
    return case


@schemathesis.hook
def before_add_examples(context, examples):
    # The examples phase fills in what the schema's examples leave out by generating it.
    for case in examples:
        _complete(case)


def _complete(case):
    path = case.operation.path
    method = case.method.upper()

    if case.path_parameters and "declaration_id" in case.path_parameters:
        case.path_parameters["declaration_id"] = _declaration_id(
            case.path_parameters["declaration_id"]
        )
    if case.query:
        if path == "/v1/admin/audit-events" and method == "GET":
            # Filters compared in SQL: LIKE's own characters once reached PostgreSQL as a
            # pattern (`target_kind=%` was a 500). The generator seldom makes them up.
            for name in ("action", "target_kind"):
                if name in case.query and random.random() < 0.5:
                    case.query[name] = random.choice(LIKE_CHARACTERS)
        if "corporate_number" in case.query:
            case.query["corporate_number"] = _corporate_number(case.query["corporate_number"])
        if "cursor" in case.query:
            case.query["cursor"] = _cursor()
        if path == "/v1/declaration-changes":
            # A cursor this feed gave (the beginning, or an early position), and a short wait:
            # a long poll on a quiet registry holds the request for `wait` seconds by design.
            if "after" in case.query:
                position = random.choice([0, 1, 5, 100])
                case.query["after"] = base64.urlsafe_b64encode(f"v1:{position}".encode()).decode().rstrip("=")
            if "wait" in case.query:
                case.query["wait"] = random.choice([0, 1])
    if case.headers:
        # The same key with another body is refused by design; every positive case is new.
        if "Idempotency-Key" in case.headers:
            case.headers["Idempotency-Key"] = uuid.uuid4().hex
        # A random entity tag is a stale one (412 by design); `*` is the valid precondition.
        if "If-Match" in case.headers:
            case.headers["If-Match"] = "*"

    body = case.body
    if not isinstance(body, dict):
        return case
    if path == "/v1/declarations" and method == "POST":
        _application(body)
    elif path in ("/v1/diagnosis/score", "/v1/diagnoses"):
        _answers(body.get("answers"))
    elif path.endswith("/step-up"):
        _disclosure(body.get("policy_disclosure"))
        if os.environ.get("FUZZ_DIAGNOSIS_ID"):
            body["diagnosis_id"] = os.environ["FUZZ_DIAGNOSIS_ID"]
    elif path.endswith("/policy-disclosure"):
        _disclosure(body)
    elif path == "/v1/me/organization":
        _organization(body, partial=True)
    elif path.startswith("/v1/webhook-endpoints") and "url" in body:
        # The URL must resolve, and to an address the fuzzed service allows (it runs with
        # WEBHOOK_ALLOW_PRIVATE_NETWORKS=true; nothing listens on port 9).
        body["url"] = f"http://127.0.0.1:9/hooks/{uuid.uuid4().hex}"
    elif path in ("/v1/auth/password", "/v1/auth/password-resets"):
        body["new_password"] = _password(
            body.get("new_password"), os.environ.get("FUZZ_USER_NUMBER")
        )
    return case

"""A subsidy portal's journey through the client openapi-python-client generates from
openapi/openapi.json: every request goes through the generated functions and every answer is
read as the generated types, with no cast and no hand-written request.

Run by .ci/contract-check with the generated package on PYTHONPATH and, in the environment:
BASE_URL, CLIENT_ID, CLIENT_SECRET (an API client), DECLARER_USER_NUMBER, DECLARER_PASSWORD and
DECLARATION_ID (an accepted declaration of that declarer).
"""

import io
import os
import sys
import zipfile

from registry_client import AuthenticatedClient, Client
from registry_client.api.auth import login
from registry_client.api.declarations import download_logo, issue_logo_token
from registry_client.api.verification import token, verify, verify_batch
from registry_client.models import (
    BatchInput,
    BatchItem,
    BatchItemFailed,
    BatchVerified,
    ClientToken,
    GrantType,
    ItemErrorCode,
    LoginInput,
    LogoToken,
    ProblemDetails,
    Status,
    TokenRequest,
    TokenResponse,
    Verification,
)
from registry_client.types import File


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"python client: {what}")


base = os.environ["BASE_URL"]
declaration_id = os.environ["DECLARATION_ID"]
anyone = Client(base_url=base, raise_on_unexpected_status=True)

# 1. A token, with the client's credentials in the form.
answer = token.sync_detailed(
    client=anyone,
    body=TokenRequest(
        grant_type=GrantType.CLIENT_CREDENTIALS,
        client_id=os.environ["CLIENT_ID"],
        client_secret=os.environ["CLIENT_SECRET"],
    ),
)
issued = answer.parsed
check(answer.status_code == 200 and isinstance(issued, ClientToken), f"token: {answer}")
assert isinstance(issued, ClientToken)
portal = AuthenticatedClient(base_url=base, token=issued.access_token, raise_on_unexpected_status=True)

# 2. Verifying one declaration: nullable fields are there, read as None or a value.
answer = verify.sync_detailed(declaration_id, client=portal)
verified = answer.parsed
check(isinstance(verified, Verification), f"verify: {answer}")
assert isinstance(verified, Verification)
check(verified.valid and verified.status == Status.ACCEPTED, f"verify: {verified}")
check(verified.corporate_number_matches is None, "no corporate number was given")
check(verified.accepted_at is not None, "an accepted declaration has accepted_at")

# 3. A batch with a bad item, told apart by its type.
answer = verify_batch.sync_detailed(
    client=portal,
    body=BatchInput(items=[BatchItem(declaration_id=declaration_id), BatchItem(declaration_id="123")]),
)
batch = answer.parsed
check(answer.status_code == 200 and batch is not None and not isinstance(batch, ProblemDetails), f"batch: {answer}")
assert batch is not None and not isinstance(batch, ProblemDetails)
first, second = batch.results
check(isinstance(first, BatchVerified) and first.declaration_id == declaration_id, f"batch[0]: {first}")
check(isinstance(second, BatchItemFailed), f"batch[1]: {second}")
assert isinstance(second, BatchItemFailed)
check(second.error.code == ItemErrorCode.INVALID_FORMAT, f"batch[1]: {second}")

# 4. A typed problem: an unknown (well-formed) declaration.
answer = verify.sync_detailed("400000000002", client=portal)
problem = answer.parsed
check(answer.status_code == 404 and isinstance(problem, ProblemDetails), f"problem: {answer}")
assert isinstance(problem, ProblemDetails)
check(problem.code == "not_found" and problem.status == 404, f"problem: {problem}")

# 5. The declarer downloads the logo package.
answer = login.sync_detailed(
    client=anyone,
    body=LoginInput(user_number=os.environ["DECLARER_USER_NUMBER"], password=os.environ["DECLARER_PASSWORD"]),
)
session = answer.parsed
check(isinstance(session, TokenResponse), f"login: {answer}")
assert isinstance(session, TokenResponse)
declarer = AuthenticatedClient(base_url=base, token=session.access_token, raise_on_unexpected_status=True)
answer = issue_logo_token.sync_detailed(declaration_id, client=declarer)
logo = answer.parsed
check(isinstance(logo, LogoToken), f"logo token: {answer}")
assert isinstance(logo, LogoToken)
answer = download_logo.sync_detailed(logo.token, client=anyone)
package = answer.parsed
check(answer.status_code == 200 and isinstance(package, File), f"logo download: {answer.status_code}")
assert isinstance(package, File)
names = zipfile.ZipFile(io.BytesIO(package.payload.read())).namelist()
check(len(names) > 0, "the logo package is an empty ZIP")

print(f"python client: token, verify, batch ({type(first).__name__}, {type(second).__name__}), "
      f"problem {problem.code}, logo package of {len(names)} files")

// A subsidy portal's journey through openapi-fetch typed by openapi-typescript from
// openapi/openapi.json: every request goes through the typed client and every answer is read as
// the generated types, with no cast and no hand-written request; `tsc --strict` checks it.
//
// Run by .ci/contract-check with BASE_URL, CLIENT_ID, CLIENT_SECRET, DECLARER_USER_NUMBER,
// DECLARER_PASSWORD and DECLARATION_ID (an accepted declaration of that declarer).

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Problem = components["schemas"]["ProblemDetails"];

function check(condition: boolean, what: string): asserts condition {
  if (!condition) {
    console.error(`typescript client: ${what}`);
    process.exit(1);
  }
}

function setting(name: string): string {
  const value = process.env[name];
  check(value !== undefined && value !== "", `${name} is not set`);
  return value;
}

const baseUrl = setting("BASE_URL");
const declarationId = setting("DECLARATION_ID");
const anyone = createClient<paths>({ baseUrl });

// 1. A token, with the client's credentials in the form that RFC 6749 names.
const issued = await anyone.POST("/v1/oauth/token", {
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: {
    grant_type: "client_credentials",
    client_id: setting("CLIENT_ID"),
    client_secret: setting("CLIENT_SECRET"),
  },
});
check(issued.data !== undefined, `token: ${issued.response.status} ${JSON.stringify(issued.error)}`);
const portal = createClient<paths>({
  baseUrl,
  headers: { Authorization: `Bearer ${issued.data.access_token}` },
});

// 2. Verifying one declaration: nullable fields are always there.
const one = await portal.GET("/v1/verifications/{declaration_id}", {
  params: { path: { declaration_id: declarationId } },
});
check(one.data !== undefined, `verify: ${one.response.status}`);
const acceptedAt: string | null = one.data.accepted_at;
const matches: boolean | null = one.data.corporate_number_matches;
check(one.data.valid && one.data.status === "accepted", `verify: ${JSON.stringify(one.data)}`);
check(acceptedAt !== null && matches === null, `verify: ${JSON.stringify(one.data)}`);
check(one.response.headers.get("RateLimit-Reset") !== null, "verify: no RateLimit-Reset");

// 3. A batch with a bad item, told apart by its `outcome`.
const batch = await portal.POST("/v1/verifications/batch", {
  body: { items: [{ declaration_id: declarationId }, { declaration_id: "123" }] },
});
check(batch.data !== undefined, `batch: ${batch.response.status}`);
const kinds: string[] = [];
for (const result of batch.data.results) {
  if (result.outcome === "failed") {
    const code: "invalid_format" | "not_found" | "invalid_corporate_number" = result.error.code;
    kinds.push(`failed ${code}`);
  } else {
    const valid: boolean = result.valid;
    kinds.push(`verified ${valid}`);
  }
}
check(kinds.join(",") === "verified true,failed invalid_format", `batch: ${kinds.join(",")}`);

// 4. A typed problem: an unknown (well-formed) declaration.
const unknown = await portal.GET("/v1/verifications/{declaration_id}", {
  params: { path: { declaration_id: "400000000002" } },
});
check(unknown.error !== undefined, `problem: ${unknown.response.status}`);
const problem: Problem = unknown.error;
const requestId: string | undefined = problem.request_id;
check(problem.status === 404 && problem.code === "not_found", `problem: ${JSON.stringify(problem)}`);
check(requestId === unknown.response.headers.get("X-Request-Id"), "problem: request_id");

// 5. The declarer downloads the logo package.
const session = await anyone.POST("/v1/auth/login", {
  body: { user_number: setting("DECLARER_USER_NUMBER"), password: setting("DECLARER_PASSWORD") },
});
check(session.data !== undefined, `login: ${session.response.status}`);
const declarer = createClient<paths>({
  baseUrl,
  headers: { Authorization: `Bearer ${session.data.access_token}` },
});
const logo = await declarer.POST("/v1/declarations/{declaration_id}/logo-tokens", {
  params: { path: { declaration_id: declarationId } },
});
check(logo.data !== undefined, `logo token: ${logo.response.status}`);
const download = await anyone.GET("/v1/logo-downloads/{token}", {
  params: { path: { token: logo.data.token } },
  parseAs: "arrayBuffer",
});
check(download.data !== undefined, `logo download: ${download.response.status}`);
const bytes = new Uint8Array(download.data);
check(bytes[0] === 0x50 && bytes[1] === 0x4b, "the logo package is not a ZIP");

console.log(
  `typescript client: token, verify, batch (${kinds.join(", ")}), problem ${problem.code}, ` +
    `logo package of ${bytes.length} bytes`,
);

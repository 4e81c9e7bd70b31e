// The README's walk-through written against the TypeScript client that
// openapi-typescript and openapi-fetch make of openapi/openapi.yaml.
// scripts/lint.sh generates schema.d.ts from the committed document and
// type-checks this file (tsc --noEmit): it never runs, it proves that a
// client generated from the document can be written the obvious way.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Problem = components["schemas"]["Problem"];
type Role = components["schemas"]["Role"];

// Every error of every operation is one type: a problem.
function report(p: Problem): string {
  const where = (p.errors ?? []).map((e) => `${e.location ?? ""}: ${e.message ?? ""}`);
  return `${p.status} ${p.type} ${p.title} (${p.request_id}) ${where.join("; ")}`;
}

export async function walkThrough(baseUrl: string, admin: string): Promise<string[]> {
  // The document's server is relative: a client says where it is served.
  const api = createClient<paths>({ baseUrl });
  const log: string[] = [];

  const signUp = await api.POST("/v1/users", {
    body: { email: "ada@example.com", display_name: "Ada" },
  });
  if (signUp.error) {
    return [report(signUp.error)];
  }
  const key = signUp.data.api_key.secret;
  const userID: string = signUp.data.user.id;
  const requestID: string | null = signUp.response.headers.get("X-Request-ID");
  log.push(`signed up ${userID} (${requestID ?? "?"})`);
  const auth = { Authorization: `Bearer ${key}` };

  // Me is a User with a balance.
  const me = await api.GET("/v1/users/me", { headers: auth });
  if (me.error) {
    return [...log, report(me.error)];
  }
  const role: Role = me.data.role;
  const balance: number = me.data.balance;
  log.push(`${me.data.display_name} is a ${role} with ${balance} credits`);

  // A new key is a key with its secret.
  const laptop = await api.POST("/v1/users/me/keys", { headers: auth, body: { name: "laptop" } });
  if (laptop.data) {
    const secret: string = laptop.data.secret;
    const hint: string = laptop.data.hint;
    log.push(`key ${laptop.data.id} ${hint}… (${secret.length} characters)`);
  }
  const keys = await api.GET("/v1/users/me/keys", { headers: auth, params: { query: { limit: 50 } } });
  for (const k of keys.data?.items ?? []) {
    log.push(`${k.name} ${k.revoked_at ?? "active"}`);
  }

  // A grant answers 201 when applied and 200 (applied: false) on a repeat.
  const grant = await api.POST("/v1/admin/credits/grants", {
    headers: { Authorization: `Bearer ${admin}` },
    body: { user_id: userID, amount: 100, reference: "welcome" },
  });
  if (grant.error) {
    log.push(report(grant.error));
  } else {
    const applied: boolean = grant.data.applied;
    log.push(`${grant.response.status} ${grant.data.entry.kind} applied=${applied}`);
  }

  const ledger = await api.GET("/v1/credits/ledger", { headers: auth, params: { query: { limit: 50 } } });
  if (ledger.data) {
    for (const e of ledger.data.items) {
      log.push(`${e.created_at} ${e.kind} ${e.amount} → ${e.balance_after} (${e.reference})`);
    }
    if (ledger.data.next_cursor !== undefined) {
      await api.GET("/v1/credits/ledger", { headers: auth, params: { query: { cursor: ledger.data.next_cursor } } });
    }
  }

  // A charge beyond the balance is a problem like any other.
  const charge = await api.POST("/v1/admin/credits/charges", {
    headers: { Authorization: `Bearer ${admin}` },
    body: { user_id: userID, amount: 500, reference: "fix-1" },
  });
  if (charge.error) {
    log.push(report(charge.error));
  }

  const revoked = await api.DELETE("/v1/users/me/keys/{id}", {
    headers: auth,
    params: { path: { id: signUp.data.api_key.id } },
  });
  log.push(`revoke: ${revoked.response.status}`);

  const ready = await api.GET("/health/ready");
  log.push(ready.error ? report(ready.error) : ready.data.status);

  // The types hold what the document requires.
  await api.POST("/v1/users", {
    // @ts-expect-error: display_name is required
    body: { email: "bob@example.com" },
  });
  await api.POST("/v1/admin/credits/grants", {
    headers: { Authorization: `Bearer ${admin}` },
    // @ts-expect-error: amount is a number
    body: { user_id: userID, amount: "100", reference: "welcome" },
  });
  return log;
}

// A real OpenID provider for the test suite (Node's certified `oidc-provider`), configured the way
// Login.gov is: authorization code flow only, PKCE with S256 required, private_key_jwt client
// authentication, acr_values for IAL1 and IAL2, and RP-initiated logout.
//
// Usage: node tests/oidc/provider.mjs <config.json>
// The JSON names the port, the issuer, the client (id, public JWK, redirect URIs) and the test users.
// Interactions are not a login form: the test picks the user by opening the interaction URL with
// ?user=<id>, and the provider finishes login and consent for that user at the level asked for.
import { readFileSync } from "node:fs";
import http from "node:http";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const IAL1 = "http://idmanagement.gov/ns/assurance/ial/1";
const IAL2 = "http://idmanagement.gov/ns/assurance/ial/2";
const users = config.users;

const provider = new Provider(config.issuer, {
  clients: [
    {
      client_id: config.client.client_id,
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: "RS256",
      jwks: { keys: [config.client.jwk] },
      redirect_uris: config.client.redirect_uris,
      post_logout_redirect_uris: config.client.post_logout_redirect_uris,
      response_types: ["code"],
      grant_types: ["authorization_code"],
    },
  ],
  pkce: { required: () => true },
  acrValues: [IAL1, IAL2],
  scopes: ["openid", "email", "profile", "social_security_number"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["given_name", "family_name", "birthdate"],
    social_security_number: ["social_security_number"],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
    claimsParameter: { enabled: false },
  },
  // Verified attributes leave the provider only for a person proofed at IAL2, as at Login.gov.
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims(use, scope, claims, rejected) {
        const out = { sub: id, email: user.email, email_verified: true };
        if (user.ial2) {
          Object.assign(out, {
            given_name: user.given_name,
            family_name: user.family_name,
            birthdate: user.birthdate,
          });
          if (user.social_security_number) out.social_security_number = user.social_security_number;
        }
        return out;
      },
    };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  cookies: { keys: ["test-provider-cookie-key"] },
});
provider.proxy = false;

async function interaction(req, res, uid, userId) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  if (prompt.name === "login" && !userId) {
    // A browser test picks the user from a list of links, as a person would fill in the login form.
    const links = Object.keys(users)
      .map((id) => `<li><a href="/interaction/${uid}?user=${id}">Sign in as ${id}</a></li>`)
      .join("");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><title>Test provider</title><main><h1>Test provider</h1><ul>${links}</ul></main></html>`);
    return;
  }
  if (prompt.name === "login") {
    const user = users[userId];
    if (!user) {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("unknown test user");
      return;
    }
    const asked = String(params.acr_values || IAL1).split(" ");
    // A user proofed at IAL2 can meet an IAL2 request; anyone else is signed in at IAL1 at most.
    const acr = asked.includes(IAL2) && user.ial2 ? IAL2 : IAL1;
    await provider.interactionFinished(req, res, { login: { accountId: userId, acr } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name === "consent") {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  res.writeHead(400, { "content-type": "text/plain" });
  res.end(`unexpected prompt ${prompt.name}`);
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const url = new URL(req.url, config.issuer);
  const match = url.pathname.match(/^\/interaction\/([^/]+)$/);
  if (match) {
    interaction(req, res, match[1], url.searchParams.get("user")).catch((err) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
    return;
  }
  callback(req, res);
});
server.listen(config.port, "127.0.0.1", () => {
  process.stdout.write(`listening ${config.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));

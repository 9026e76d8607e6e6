// A real OpenID provider for the tests: oidc-provider (certified), on a loopback port.
// Usage: node provider.mjs CONFIG.json  — the config names the issuer, port, clients, the
// signing keys (a restart with other keys is a key rotation) and the accounts' claims.
// Prints "ready" once it listens. Its own login page (devInteractions) takes any password.
import fs from 'node:fs';
import Provider from 'oidc-provider';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

const provider = new Provider(cfg.issuer, {
  clients: cfg.clients,
  jwks: cfg.jwks,
  async findAccount(ctx, id) {
    const claims = cfg.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'company', 'groups', 'contract_tier', 'forum_role'],
  },
  // The claims of the scopes in the ID token itself, as Keycloak and Entra ID send them.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
  },
  pkce: { required: () => true },
  cookies: { keys: ['test-cookie-key'] },
  ttl: { IdToken: 3600, AccessToken: 600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
  // A first-party client: no consent screen, every requested scope is granted.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

provider.listen(cfg.port, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});

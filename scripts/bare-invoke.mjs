// The yardstick for the bench: a bare Node process making only the protocol's requests with fetch,
// nothing else loaded. Mode "one": just the first request (the GitHub OIDC token). Mode "key": a
// whole key-mode online invoke — OIDC token, Entra metadata, token exchange, then the endpoint and
// the permissions read together, listKeys, and the scoring request. Config comes in BENCH_CONFIG.
// It prints when it read its last response (epoch ms): Node's fetch then keeps the process alive
// on an idle keep-alive socket for a while, and the bench reports both ends.
const c = JSON.parse(process.env.BENCH_CONFIG);
const mode = process.argv[2] ?? 'key';

async function json(res) {
  if (!res.ok) throw new Error(`${res.url}: HTTP ${res.status}`);
  return res.json();
}

const oidc = await json(
  await fetch(`${c.oidcRequestUrl}&audience=${encodeURIComponent('api://AzureADTokenExchange')}`, {
    headers: { authorization: `Bearer ${c.oidcRequestToken}` },
  }),
);
if (mode === 'key') {
  const meta = await json(await fetch(`${c.authorityHost}/${c.tenantId}/v2.0/.well-known/openid-configuration`));
  const token = await json(
    await fetch(meta.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: c.clientId,
        scope: 'https://management.azure.com/.default',
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: oidc.value,
      }),
    }),
  );
  const auth = { authorization: `Bearer ${token.access_token}` };
  const ws = `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${c.workspace}`;
  const [endpoint] = await Promise.all([
    fetch(`${c.resourceManagerEndpoint}${ws}/onlineEndpoints/${c.endpoint}?api-version=2022-10-01`, { headers: auth }).then(json),
    fetch(`${c.resourceManagerEndpoint}${ws}/onlineEndpoints/${c.endpoint}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`, {
      headers: auth,
    }).then(json),
  ]);
  const keys = await json(
    await fetch(`${c.resourceManagerEndpoint}${ws}/onlineEndpoints/${c.endpoint}/listKeys?api-version=2022-10-01`, { method: 'POST', headers: auth }),
  );
  await json(
    await fetch(endpoint.properties.scoringUri, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.primaryKey}`, 'content-type': 'application/json' },
      body: c.request,
    }),
  );
}
process.stdout.write(JSON.stringify({ lastResponseAt: performance.timeOrigin + performance.now() }));

// The bench's floor: a bare Node process making only the protocol's requests, in as few rounds as
// their order allows, with nothing else loaded, ending with its last reply. It knows what the
// action's inputs say and nothing more (the token endpoint follows Entra's layout, so it reads no
// metadata). Transport: node:https (node:http for http URLs) with one keep-alive agent, the leanest
// client Node has; with --fetch, the global fetch instead (the yardstick the bench used first: Node
// loads its fetch implementation on the first call). Config comes in BENCH_CONFIG.
// Modes:
//   one        the first request alone: GET config.url (the GitHub OIDC token request, or any URL)
//   key        online invoke, key auth: OIDC token, Entra token, endpoint ‖ permissions, listKeys ‖
//              the state of the deployments taking traffic (the action checks they are ready), score
//   aml_token  the same with the endpoint's token action in place of listKeys
//   aad_token  the same with an Entra token for the ML audience in place of listKeys
//   batch      OIDC token, Entra tokens for the resource manager ‖ the ML audience, endpoint ‖
//              permissions, the default deployment's state, the job's creation
// Prints {lastResponseAt} (epoch ms, the moment its last reply was read).
const c = JSON.parse(process.env.BENCH_CONFIG);
const [mode = 'key', transport] = process.argv.slice(2);

/** An https/http request over one keep-alive agent per scheme; node:http(s) loads only when used. */
const agents = new Map();
async function viaNode(method, url, headers, body) {
  const scheme = url.startsWith('https:') ? 'node:https' : 'node:http';
  const { Agent, request } = await import(scheme);
  if (!agents.has(scheme)) agents.set(scheme, new Agent({ keepAlive: true }));
  return new Promise((resolve, reject) => {
    const all = body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) };
    const req = request(url, { method, agent: agents.get(scheme), headers: all }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function viaFetch(method, url, headers, body) {
  const res = await fetch(url, { method, headers, body });
  return { status: res.status, text: await res.text() };
}

const send = transport === '--fetch' ? viaFetch : viaNode;

async function json(method, url, headers = {}, body) {
  const r = await send(method, url, headers, body);
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${url}: HTTP ${r.status} ${r.text}`);
  return JSON.parse(r.text);
}

const form = (fields) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

async function entraToken(assertion, scope) {
  const { headers, body } = form({
    client_id: c.clientId,
    scope,
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  });
  return (await json('POST', `${c.authorityHost}/${c.tenantId}/oauth2/v2.0/token`, headers, body)).access_token;
}

if (mode === 'one') {
  await send('GET', c.url, c.headers ?? {});
} else {
  const oidc = await json('GET', `${c.oidcRequestUrl}&audience=${encodeURIComponent('api://AzureADTokenExchange')}`, {
    authorization: `Bearer ${c.oidcRequestToken}`,
  });
  const [armToken, mlToken] = await Promise.all([
    entraToken(oidc.value, 'https://management.azure.com/.default'),
    mode === 'batch' ? entraToken(oidc.value, 'https://ml.azure.com/.default') : undefined,
  ]);
  const arm = { authorization: `Bearer ${armToken}` };
  const type = mode === 'batch' ? 'batchEndpoints' : 'onlineEndpoints';
  const endpointUrl = `${c.resourceManagerEndpoint}/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${c.workspace}/${type}/${c.endpoint}`;
  const [endpoint] = await Promise.all([
    json('GET', `${endpointUrl}?api-version=2022-10-01`, arm),
    json('GET', `${endpointUrl}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`, arm),
  ]);
  const scoringUri = endpoint.properties.scoringUri;
  const post = (bearer, body) => json('POST', scoringUri, { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body);
  const deployment = (name) => json('GET', `${endpointUrl}/deployments/${name}?api-version=2022-10-01`, arm);
  if (mode === 'batch') {
    await deployment(endpoint.properties.defaults.deploymentName);
    await post(mlToken, JSON.stringify({ properties: { inputData: { input_data: { uri: c.input, jobInputType: 'UriFolder' } } } }));
  } else {
    const routed = Object.keys(endpoint.properties.traffic).filter((name) => endpoint.properties.traffic[name] > 0);
    const [credential] = await Promise.all([
      mode === 'key'
        ? json('POST', `${endpointUrl}/listKeys?api-version=2022-10-01`, arm).then((r) => r.primaryKey)
        : mode === 'aml_token'
          ? json('POST', `${endpointUrl}/token?api-version=2022-10-01`, arm).then((r) => r.accessToken)
          : entraToken(oidc.value, 'https://ml.azure.com/.default'),
      ...routed.map(deployment),
    ]);
    await post(credential, c.request);
  }
}
process.stdout.write(JSON.stringify({ lastResponseAt: performance.timeOrigin + performance.now() }));

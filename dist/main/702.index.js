export const id = 702;
export const ids = [702];
export const modules = {

/***/ 6702:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   openComments: () => (/* binding */ openComments)
/* harmony export */ });
/* unused harmony export pipelineFetch */
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2218);
/* harmony import */ var _azure_http_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7743);
// The pull request's comments through @actions/github's Octokit (getOctokit, with pagination).
// Loaded only when comment-on-pr writes a comment: the bundle makes this module a chunk of its
// own, so a plain run never loads Octokit.
//
// Octokit's requests go through the action's own HTTP stack (core-rest-pipeline, the client every
// Azure request uses) rather than the undici fetch @actions/github sets by default: undici is not
// bundled (scripts/build.mjs), and this way the comment takes the same network path, proxy and
// CA settings as the rest of the run. The fetch given here replaces @actions/github's whole
// `request` default (Octokit merges options shallowly), so its undici fetch is never called.


/** How long one request to GitHub may take. */
const REQUEST_TIMEOUT_MS = 30_000;
/** The most comments GitHub gives on a page. */
const PER_PAGE = 100;
/** Statuses whose answer has no body (the Response constructor refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);
/** fetch() over the action's pipeline: creating (POST) is never repeated; reads and updates are retried when transient. */
function pipelineFetch(http) {
    return async (input, init = {}) => {
        const url = input instanceof Request ? input.url : String(input);
        const method = (init.method ?? 'GET').toUpperCase();
        const res = await (0,_azure_http_js__WEBPACK_IMPORTED_MODULE_1__/* .send */ .tN)(http, method === 'POST' ? http.once : http.reads, {
            url,
            method: method,
            headers: Object.fromEntries(new Headers(init.headers)),
            body: typeof init.body === 'string' ? init.body : undefined,
            abortSignal: init.signal ?? undefined,
            timeout: REQUEST_TIMEOUT_MS,
        });
        const response = new Response(NO_BODY.has(res.status) ? null : (res.bodyAsText ?? ''), { status: res.status, headers: res.headers.toJSON() });
        Object.defineProperty(response, 'url', { value: url });
        return response;
    };
}
function openComments(p) {
    const octokit = (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(p.token, { baseUrl: p.apiUrl, request: { fetch: pipelineFetch(p.http) } });
    const [owner, repo] = p.repository.split('/');
    const issue = { owner, repo, issue_number: p.number };
    const picked = ({ id, body, html_url }) => ({ id, body, html_url });
    return {
        async *pages() {
            for await (const { data } of octokit.paginate.iterator(octokit.rest.issues.listComments, { ...issue, per_page: PER_PAGE }))
                yield data.map(picked);
        },
        create: async (body) => picked((await octokit.rest.issues.createComment({ ...issue, body })).data),
        update: async (id, body) => picked((await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body })).data),
    };
}


/***/ })

};

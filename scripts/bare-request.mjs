// The bench's cold-start yardstick as an ES module file: one node:http request to the URL given, as
// the CommonJS one-liner sends it, so that what loading an ES module costs shows on its own.
import { get } from 'node:http';

get(process.argv[2]);
